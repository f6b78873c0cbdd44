// fail mode's check before anything is written, and what "the root as a new ensemble has it" means.
import { AclEntry, ZkClient } from "../zk-client";
import { OPEN_ACL, sameAcl } from "./acl";
import { scanBackup } from "./file-reader";
import { decodeData } from "./format";
import { Cancelled, Interrupted, Latch, Semaphore } from "./tasks";

/** Byte equality, where no data (null) differs from empty data. */
export function sameData(a: Buffer | null, b: Buffer | null): boolean {
  return a === null || b === null ? a === b : a.equals(b);
}

/** A root as a new ensemble has it: no data, open to everyone. */
export function isPristineRoot(data: Buffer | null, acl: AclEntry[]): boolean {
  return (data === null || data.length === 0) && sameAcl(acl, OPEN_ACL);
}

/**
 * fail mode: the znodes of the backup that already exist in the target (a count and the first few),
 * the root counting when its data or ACL differ and it is not as new. Nothing is written.
 */
export async function findConflicts(
  zk: ZkClient,
  file: string,
  concurrency: number,
  signal?: AbortSignal,
): Promise<{ count: number; examples: string[] }> {
  const examples: string[] = [];
  let count = 0;
  const note = (path: string) => {
    count++;
    if (examples.length < 5) examples.push(path);
  };
  const topLevel = (await zk.children("/")).children.filter((c) => c !== "zookeeper");
  const slots = new Semaphore(concurrency);
  const tasks = new Latch();
  let failure: unknown;
  const scanned = scanBackup(file, async (record) => {
    if (signal?.aborted) failure ??= new Interrupted();
    if (failure) throw failure;
    if (record.path === "/") {
      const [{ data }, { acl }] = await Promise.all([zk.read("/"), zk.getAcl("/")]);
      const same = sameData(data, decodeData(record.data)) && sameAcl(acl, record.acl);
      if (!same && !isPristineRoot(data, acl)) note("/ (its data or ACL)");
      return;
    }
    // Below a root with no children nothing can exist: the root line was all there was to check.
    if (topLevel.length === 0) throw new Cancelled();
    await slots.acquire();
    const task = zk
      .stat(record.path)
      .then((stat) => stat && note(record.path))
      .catch((e) => (failure ??= e))
      .finally(() => slots.release());
    tasks.add(task);
  });
  await scanned.catch((e) => {
    if (!(e instanceof Cancelled)) throw e;
  });
  await tasks.idle();
  if (failure) throw failure;
  return { count, examples };
}
