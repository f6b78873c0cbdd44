// Two test runs on one machine (an editor's and a terminal's, or two checkouts) must not share the
// loopback addresses their ZooKeeper servers bind, or one run's servers answer the other's clients.
// Each address (or the partition suites' network) is a lock file holding the PID of the run that
// uses it; a run that finds one held by a live process says so once and waits, bounded, and a lock
// whose process is gone is taken over. Locks are taken in a global order (ascending names) by each
// caller, and released when the ensemble is destroyed, or when the process exits.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const DIR = path.join(os.tmpdir(), "kind-zookeeper-test-locks");
const WAIT_MS = Number(process.env.KZ_LOCK_WAIT_MS ?? 20 * 60 * 1000);

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** This process's locks, by file, with how many holders in this process. */
const held = new Map<string, number>();

process.once("exit", () => {
  for (const file of held.keys()) fs.rmSync(file, { force: true });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function tryTake(file: string): number | undefined {
  try {
    fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
    return undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  }
  let owner: number;
  try {
    owner = Number(fs.readFileSync(file, "utf8").trim());
  } catch (e) {
    // Released between our attempt and this read: try again.
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return tryTake(file);
    throw e;
  }
  if (owner === process.pid) return undefined;
  if (!Number.isInteger(owner) || owner <= 0 || !alive(owner)) {
    // Left by a run that was killed: take it over (another waiter may race us to it; wx decides).
    fs.rmSync(file, { force: true });
    return tryTake(file);
  }
  return owner;
}

/**
 * Takes the locks of `names` (e.g. loopback addresses) for this process, waiting while another live
 * run holds one; synchronous, so a constructor can call it. Returns the function that releases them.
 */
export function lockMachineResources(names: string[], what: string): () => void {
  fs.mkdirSync(DIR, { recursive: true });
  const files = [...new Set(names)].sort().map((n) => path.join(DIR, n.replace(/[^\w.-]/g, "_")));
  const started = Date.now();
  let said = false;
  const saved = new Map<NodeJS.Signals, NodeJS.SignalsListener[]>();
  for (const file of files) {
    if (held.has(file)) {
      held.set(file, held.get(file)! + 1);
      continue;
    }
    for (;;) {
      const owner = tryTake(file);
      if (owner === undefined) break;
      if (!said) {
        process.stderr.write(`  (${what}: ${path.basename(file)} is in use by another test run, pid ${owner}; waiting for it)\n`);
        said = true;
        // This wait blocks the event loop, where the run's own signal handlers (interrupt.ts) would
        // run: Node's default (exit at once) lets Ctrl-C end the wait; a lock taken so far is left
        // with a dead PID, which the next run takes over.
        for (const signal of SIGNALS) {
          saved.set(signal, process.listeners(signal));
          process.removeAllListeners(signal);
        }
      }
      if (Date.now() - started > WAIT_MS) {
        throw new Error(`${what}: ${path.basename(file)} stayed in use by another test run (pid ${owner}) for ${WAIT_MS / 1000} s`);
      }
      sleep(500);
    }
    held.set(file, 1);
  }
  for (const [signal, listeners] of saved) for (const l of listeners) process.on(signal, l);
  if (said) process.stderr.write(`  (${what}: got it after ${Math.round((Date.now() - started) / 1000)} s)\n`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    for (const file of files) {
      const n = held.get(file)! - 1;
      if (n > 0) held.set(file, n);
      else {
        held.delete(file);
        fs.rmSync(file, { force: true });
      }
    }
  };
}

/** The locks this process holds now, by file name (for the tests of what takes them). */
export function heldLocks(): string[] {
  return [...held.keys()].map((file) => path.basename(file));
}
