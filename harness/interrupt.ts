// A test run stopped by the user (Ctrl-C, a kill) cleans up what it started. Ctrl-C reaches the
// terminal's foreground process group, so the servers a test started in that group stop with it;
// what runs in a group of its own (a TLS server and its zk-tls.sh watch loop, started detached so a
// test can kill the loop with the server) and what lives on disk (an ensemble's files, a control
// plane's processes and folder) would stay. Each of those registers its cleanup here while it exists.
// mocha itself installs no handler in a serial run (mocha v11.8.0 lib/cli: only the parallel runner
// and the landing reporter listen for SIGINT), so without one Node would exit at once.

type Cleanup = () => void | Promise<void>;

const cleanups = new Set<Cleanup>();
/** How long the cleanups may take before the run exits anyway. */
const BOUND_MS = 30000;

let installed = false;
let interrupted = false;

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  if (interrupted) return;
  interrupted = true;
  const pending = [...cleanups];
  process.stderr.write(`\n${signal}: stopping ${pending.length} thing(s) this test run started, then exiting\n`);
  await Promise.race([Promise.allSettled(pending.map(async (c) => c())), new Promise((r) => setTimeout(r, BOUND_MS).unref())]);
  process.exit(signal === "SIGINT" ? 130 : 143);
}

/** Registers a cleanup to run if the run is interrupted; the returned function unregisters it (call it when cleaned up normally). */
export function onInterrupt(cleanup: Cleanup): () => void {
  if (!installed) {
    installed = true;
    for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void onSignal(signal));
  }
  cleanups.add(cleanup);
  return () => void cleanups.delete(cleanup);
}

/** How many cleanups are registered now (for the tests of what registers them). */
export function pendingCleanups(): number {
  return cleanups.size;
}
