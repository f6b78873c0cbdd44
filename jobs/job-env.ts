// What the Jobs' entry points share (membership.ts, roll.ts, tenants.ts): reading their environment, and the exit
// code and stderr line of a run: 0 done, 2 bad environment (EnvError), 1 a refusal or a failure.

import * as fs from "fs";
import type { TlsDial } from "../zk/tls-dial";

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

/**
 * TLS from the environment: undefined when `name` is unset (plaintext), else the CA read from the
 * file it names (the mounted `ca.crt`). An unreadable file or one without a PEM certificate is a bad
 * environment: the Job never falls back to plaintext or to trusting anything.
 */
export function tlsFromEnv(env: NodeJS.ProcessEnv, name: string): TlsDial | undefined {
  const file = env[name];
  if (file === undefined || file === "") return undefined;
  let ca: string;
  try {
    ca = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new EnvError(`${name}: cannot read the CA file ${file}: ${(e as Error).message}`);
  }
  if (!ca.includes("-----BEGIN CERTIFICATE-----")) throw new EnvError(`${name}: ${file} holds no PEM certificate`);
  return { ca };
}
