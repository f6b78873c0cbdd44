// Creates a backup's znodes in a target, streaming (the restore's second pass over the file).
//
// Znodes are created in file order (pre-order), many in flight at once but each only after its
// parent. The traps, and what the restore does about each:
// - A restrictive ACL on a parent blocks creating its children. A znode that has children in the
//   backup and whose ACL does not grant us create and delete is created under a temporary ACL
//   (acl.ts) and given its own once its subtree's creates are done; the backup's file order tells
//   when that is (the next line lies outside the subtree). Leaves get their ACL at creation.
// - Sequential children restored by name leave the parent's counter low (sequence.ts): once a
//   parent's children exist, its counter is raised past the highest sequence number among them.
// - An empty container is deleted by the server, but only one whose counter of child creations is
//   above 0 (ContainerManager.getCandidates): a restored container starts at 0 and its counter is
//   raised only by restoring children (and the throwaway creates above, which come after them), so
//   no restored container is empty with a counter above 0. (A container the backup holds empty is
//   restored empty and stays, as never-used containers do, unless the target sets
//   znode.container.maxNeverUsedIntervalMs.)
// - Digest ACLs hold the password's hash and are restored as they are: the same credentials work.
// - The root always exists: its data and ACL are restored when the target's root is as a new
//   ensemble has it (or with --on-conflict overwrite), its ACL last (it may forbid creating).
// - /zookeeper is never in a backup: quotas and the ensemble config belong to the target.
import { AclEntry, ZkClient, ZkError, ZkTimeout } from "../zk-client";
import { grants, identitiesOf, Identity, OPEN_ACL, PERMS, sameAcl, temporaryAcl } from "./acl";
import { isPristineRoot, sameData } from "./conflicts";
import { scanBackup } from "./file-reader";
import { childPath, decodeData, NodeRecord, parentOf } from "./format";
import { createRequestBytes, DEFAULT_JUTE_MAXBUFFER } from "./limits";
import { RestoreCounts, RestoreReport } from "./report";
import type { Progress } from "./progress";
import type { ConnectOptions, Endpoint } from "./session";
import { creationsNeeded, sequenceNumber } from "./sequence";

export type OnConflict = "fail" | "skip" | "overwrite";

export interface RestoreOptions extends ConnectOptions {
  file: string;
  endpoint: Endpoint;
  onConflict: OnConflict;
  reportPath: string;
  /** The user named the report (--report): a rerun must name another, as no report is overwritten. */
  reportNamed?: boolean;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Bytes of znode data held at once (read from the file, not yet created). */
  maxHeldBytes?: number;
  progress?: Progress;
  /** Called with warnings worth a line on stderr before the restore starts. */
  warn?: (message: string) => void;
  /** Aborting stops creating; the requests in flight finish and the report is written. */
  signal?: AbortSignal;
}
import { ByteBudget, Cancelled, Deferred, Interrupted, Latch, Semaphore } from "./tasks";

interface Entry {
  record: NodeRecord;
  hasChildren: boolean;
  /** Settles once the znode exists in the target (created, skipped or overwritten). */
  ready: Deferred;
  /** The creates of its direct children. */
  children: Latch;
  /** The highest sequence number among its children in the backup, -1 when none. */
  highestSequence: number;
  /** Its own ACL, when it was created or overwritten under a temporary one. */
  finalAcl?: AclEntry[];
}

const isOutcomeUnknown = (e: unknown) =>
  e instanceof ZkTimeout ||
  (e instanceof ZkError && (e.code === "CONNECTION_LOSS" || e.code === "SESSION_EXPIRED" || e.code === "OPERATION_TIMEOUT"));

export class Restorer {
  private readonly ids: Identity[];
  private readonly tempAcl: AclEntry[];
  private readonly slots: Semaphore;
  private readonly bytes: ByteBudget;
  private readonly tasks = new Latch();
  private readonly stack: Entry[] = [];
  private pending: NodeRecord | undefined;
  private failure: unknown;
  private readonly inDoubt: string[] = [];
  private readonly temporaryAcls = new Map<string, AclEntry[]>();
  private processed = 0;

  constructor(
    private readonly zk: ZkClient,
    private readonly options: RestoreOptions,
    private readonly report: RestoreReport,
    readonly counts: RestoreCounts,
  ) {
    this.ids = identitiesOf(options.auth);
    this.tempAcl = temporaryAcl(this.ids);
    this.slots = new Semaphore(options.concurrency ?? 256);
    this.bytes = new ByteBudget(options.maxHeldBytes ?? 32 * 1024 * 1024);
  }

  get failed(): unknown {
    return this.failure;
  }

  async run(): Promise<void> {
    try {
      await scanBackup(this.options.file, (record) => this.accept(record));
    } catch (e) {
      if (!(e instanceof Cancelled)) this.fail(e);
    }
    if (!this.failure && this.pending) {
      await this.admit(this.pending);
      this.dispatch(this.pending, false);
    }
    while (this.stack.length) this.close(this.stack.pop()!);
    await this.tasks.idle();
  }

  /** After a failure: whether each create that got no answer took effect, and which znodes keep a temporary ACL. */
  async settleAfterFailure(check: (path: string) => Promise<boolean | null>): Promise<void> {
    for (const path of this.inDoubt) this.report.entry({ type: "in-doubt", path, existsNow: await check(path) });
    this.counts.inDoubt = this.inDoubt.length;
    for (const [path] of this.temporaryAcls) this.report.entry({ type: "temporary-acl", path, acl: this.tempAcl });
  }

  get temporaryAclCount(): number {
    return this.temporaryAcls.size;
  }

  private fail(e: unknown): void {
    if (this.failure === undefined && !(e instanceof Cancelled)) this.failure = e;
  }

  private check(): void {
    if (this.options.signal?.aborted) this.fail(new Interrupted());
    if (this.failure !== undefined) throw new Cancelled();
  }

  /** One line of the file: dispatches the line before it, now that it is known whether that one has children. */
  private async accept(record: NodeRecord): Promise<void> {
    this.check();
    if (record.path === "/") {
      await this.restoreRoot(record);
      return;
    }
    if (this.pending) {
      await this.admit(this.pending);
      this.dispatch(this.pending, parentOf(record.path) === this.pending.path);
    }
    this.pending = record;
  }

  /** Waits for a request slot and room for the znode's data: what bounds the restore's memory. */
  private async admit(record: NodeRecord): Promise<void> {
    await this.slots.acquire();
    await this.bytes.acquire(heldBytes(record));
  }

  private dispatch(record: NodeRecord, hasChildren: boolean): void {
    const parentPath = parentOf(record.path);
    while (this.stack[this.stack.length - 1].record.path !== parentPath) this.close(this.stack.pop()!);
    const parent = this.stack[this.stack.length - 1];
    const sequence = sequenceNumber(record.path.slice(parentPath.length + 1));
    if (sequence !== undefined) parent.highestSequence = Math.max(parent.highestSequence, sequence);
    const entry: Entry = { record, hasChildren, ready: new Deferred(), children: new Latch(), highestSequence: -1 };
    const task = (async () => {
      try {
        await parent.ready.promise;
        await this.place(entry);
        entry.ready.resolve();
      } catch (e) {
        entry.ready.reject(e);
        this.fail(e);
      } finally {
        this.slots.release();
        this.bytes.release(heldBytes(record));
        this.processed++;
        this.options.progress?.(() => this.progressLine());
      }
    })();
    parent.children.add(task);
    this.tasks.add(task);
    if (hasChildren) this.stack.push(entry);
  }

  /** A subtree is complete in the file: once its children exist, raise the counter and set the ACL. */
  private close(entry: Entry): void {
    const task = (async () => {
      await entry.children.idle();
      try {
        await entry.ready.promise;
      } catch {
        return;
      }
      if (entry.highestSequence < 0 && !entry.finalAcl) return;
      await this.slots.acquire();
      try {
        this.check();
        if (entry.highestSequence >= 0) await this.raiseCounter(entry.record.path, entry.highestSequence);
        if (entry.finalAcl) {
          this.check();
          await this.zk.setAcl(entry.record.path, entry.finalAcl);
          this.temporaryAcls.delete(entry.record.path);
          this.counts.aclsAfterChildren++;
        }
      } catch (e) {
        this.fail(e);
      } finally {
        this.slots.release();
      }
    })();
    this.tasks.add(task);
  }

  private async restoreRoot(record: NodeRecord): Promise<void> {
    const root: Entry = { record, hasChildren: true, ready: new Deferred(), children: new Latch(), highestSequence: -1 };
    root.ready.resolve();
    this.stack.push(root);
    this.processed++;
    const [{ data }, { acl }] = await Promise.all([this.zk.read("/"), this.zk.getAcl("/")]);
    const wanted = decodeData(record.data);
    const dataSame = sameData(data, wanted);
    const aclSame = sameAcl(acl, record.acl);
    if (dataSame && aclSame) {
      this.counts.root = "unchanged";
    } else if (isPristineRoot(data, acl) || this.options.onConflict === "overwrite") {
      if (!dataSame) await this.zk.setData("/", wanted);
      // Last, in close(): the root's own ACL may forbid creating its children.
      if (!aclSame) root.finalAcl = record.acl;
      this.counts.root = "restored";
    } else {
      // fail mode never gets here: the preflight refused a root that differs.
      this.counts.root = "kept";
    }
    this.report.entry({ type: "root", action: this.counts.root });
  }

  /** Creates one znode (or resolves the conflict with an existing one). */
  private async place(entry: Entry): Promise<void> {
    this.check();
    const r = entry.record;
    const data = decodeData(r.data);
    const temporary = entry.hasChildren && !grants(r.acl, this.ids, PERMS.create | PERMS.delete);
    const aclNow = temporary ? this.tempAcl : r.acl;
    // A temporary ACL can make the request larger than the original create, which the server took.
    const inOne = createRequestBytes(r.path, data?.length ?? 0, aclNow) <= DEFAULT_JUTE_MAXBUFFER;
    try {
      await this.zk.createNode(r.path, inOne ? data : null, aclNow, r.kind);
    } catch (e) {
      if (e instanceof ZkError && e.code === "NODE_EXISTS") return this.conflict(entry, data, temporary);
      if (isOutcomeUnknown(e)) this.inDoubt.push(r.path);
      throw e;
    }
    this.counts.created++;
    if (r.kind === "container") this.counts.containersCreated++;
    this.report.entry({ type: "created", path: r.path, kind: r.kind });
    if (temporary) {
      entry.finalAcl = r.acl;
      this.temporaryAcls.set(r.path, this.tempAcl);
    }
    if (!inOne) {
      this.check();
      await this.zk.setData(r.path, data);
    }
  }

  private async conflict(entry: Entry, data: Buffer | null, temporary: boolean): Promise<void> {
    const r = entry.record;
    switch (this.options.onConflict) {
      case "fail":
        throw new Error(`${r.path} appeared in the target while the restore ran (it was not there when checked); it was left as it is`);
      case "skip":
        this.counts.skipped++;
        this.report.entry({ type: "skipped", path: r.path });
        return;
      case "overwrite":
        this.check();
        await this.zk.setData(r.path, data);
        await this.zk.setAcl(r.path, temporary ? this.tempAcl : r.acl);
        if (temporary) {
          entry.finalAcl = r.acl;
          this.temporaryAcls.set(r.path, this.tempAcl);
        }
        this.counts.overwritten++;
        this.report.entry({ type: "overwritten", path: r.path });
    }
  }

  /** Creates and deletes a throwaway child, in batches of one multi each, until the counter is past `highest`. */
  private async raiseCounter(path: string, highest: number): Promise<void> {
    const stat = await this.zk.stat(path);
    if (!stat) throw new Error(`${path} disappeared from the target before its sequence counter could be raised`);
    let needed = creationsNeeded(stat, highest);
    if (needed === 0) return;
    const scratch = childPath(path, `kind-zookeeper-restore-${process.pid}-${Date.now()}`);
    const perCreate = 2 * Buffer.byteLength(scratch) + 96;
    const batch = Math.max(1, Math.min(1000, Math.floor((512 * 1024) / perCreate)));
    while (needed > 0) {
      this.check();
      const n = Math.min(needed, batch);
      const ops = Array.from({ length: n }).flatMap(() => [
        { op: "create" as const, path: scratch, data: null, acl: OPEN_ACL },
        { op: "remove" as const, path: scratch },
      ]);
      await this.zk.multi(ops);
      this.counts.sequenceCreates += n;
      needed -= n;
    }
    const after = await this.zk.stat(path);
    if (!after || creationsNeeded(after, highest) > 0) {
      throw new Error(`the sequence counter of ${path} did not pass ${highest} after ${this.counts.sequenceCreates} throwaway creates`);
    }
    this.counts.sequenceParents++;
  }

  private progressLine(): string {
    const c = this.counts;
    return `${this.processed}/${c.znodes} znodes (created ${c.created}, skipped ${c.skipped}, overwritten ${c.overwritten})`;
  }
}

/** What a record costs in memory until its znode is created: its data, as base64 and as bytes. */
function heldBytes(record: NodeRecord): number {
  return 2 * (record.data?.length ?? 0);
}
