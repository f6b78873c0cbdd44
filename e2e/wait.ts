// Every wait of the suite is bounded and says what it waited for, so a stuck drill fails with a
// sentence instead of hanging CI until its job time-out.

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Polls `check` until it returns a value other than undefined or false, at most `ms`; then fails
 * with `what` and, if given, what `describe` reports about the current state.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  ms: number,
  { intervalMs = 1000, describe }: { intervalMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())));
  }
  const state = describe ? await describe().catch((e) => `(could not describe: ${e.message})`) : "";
  throw new Error(
    `timed out after ${Math.round(ms / 1000)} s waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}${state ? `\n${state}` : ""}`,
  );
}

/** Runs `work`, failing with `what` if it does not settle within `ms` (the work itself is not cancelled). */
export async function within<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: not done within ${Math.round(ms / 1000)} s`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
