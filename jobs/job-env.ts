// What the Jobs' entry points share (membership.ts, roll.ts): reading their environment, and the exit
// code and stderr line of a run: 0 done, 2 bad environment (EnvError), 1 a refusal or a failure.

/** A value of the environment the caller (the rendered Job) must fix: exit 2, nothing done. */
export class EnvError extends Error {}

export function need(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new EnvError(`${name} is required`);
  return value;
}

/** host=address[,host=address...] (the tests' map from pod names to loopback), as a map. */
export function hostMap(text: string | undefined): Map<string, string> {
  return new Map((text ?? "").split(",").flatMap((pair) => (pair.includes("=") ? [pair.split("=", 2) as [string, string]] : [])));
}

/**
 * Runs a job's body; resolves to its exit code, having written why to stderr: `<job> job: bad
 * environment: ...`, `<job>: <refusal.word>: ...` for the job's own refusals, `<job> failed: ...`.
 */
export async function exitCode(
  job: string,
  refusal: { type: new (...args: any[]) => Error; word: string },
  body: () => Promise<void>,
): Promise<number> {
  try {
    await body();
    return 0;
  } catch (e) {
    const prefix =
      e instanceof EnvError ? `${job} job: bad environment: ` : e instanceof refusal.type ? `${job}: ${refusal.word}: ` : `${job} failed: `;
    process.stderr.write(`${prefix}${(e as Error).message}\n`);
    return e instanceof EnvError ? 2 : 1;
  }
}
