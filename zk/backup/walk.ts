// Walks a live tree in pre-order (children in ascending name order), reading ahead concurrently
// within bounds: at most `maxPrefetch` znodes read or held ahead of the writer, and about
// `maxHeldBytes` of their data; beyond that only the next znode needed. A level can always read the
// one znode it needs next, so the read-ahead of the levels above never starves a deep subtree.
import { AclEntry, ZkError, ZnodeStat } from "../zk-client";
import { CONTAINER_OWNER } from "./containers";
import { childPath, NodeKind } from "./format";

/** The reads the walk needs (ZkClient has them); a fake in tests. */
export interface TreeReader {
  read(path: string): Promise<{ data: Buffer | null; stat: ZnodeStat }>;
  getAcl(path: string): Promise<{ acl: AclEntry[]; stat: ZnodeStat }>;
  children(path: string): Promise<{ children: string[]; stat: ZnodeStat }>;
}

export interface WalkedNode {
  path: string;
  data: Buffer | null;
  acl: AclEntry[];
  stat: ZnodeStat;
  kind: NodeKind;
}

export type WalkEvent =
  | { type: "node"; node: WalkedNode }
  | { type: "ephemeral"; path: string }
  | { type: "vanished"; path: string }
  | { type: "system"; path: string; count: number };

export interface WalkOptions {
  isContainer?: (path: string) => boolean;
  maxPrefetch?: number;
  maxHeldBytes?: number;
  /** Reads of one znode whose data keeps changing between its data and ACL reads. */
  maxAttempts?: number;
  /** Tries of a read that lost its connection (the client reconnects; reads are safe to repeat). */
  connectionRetries?: number;
}

type Fetched = { kind: "node"; node: WalkedNode; children: string[] } | { kind: "ephemeral" | "vanished"; path: string };

class ChangingNodeError extends Error {}

const isNoNode = (e: unknown) => e instanceof ZkError && e.code === "NO_NODE";

export async function* walkTree(zk: TreeReader, options: WalkOptions = {}): AsyncGenerator<WalkEvent> {
  const maxPrefetch = options.maxPrefetch ?? 256;
  const maxHeldBytes = options.maxHeldBytes ?? 32 * 1024 * 1024;
  const maxAttempts = options.maxAttempts ?? 5;
  const connectionRetries = options.connectionRetries ?? 3;
  const isContainer = options.isContainer ?? (() => false);
  // Reads in flight or done and not yet yielded, and the bytes of data the done ones hold. A read
  // in flight may bring up to 1 MB, so it is reckoned at the largest data seen lately.
  let outstanding = 0;
  let inFlight = 0;
  let heldBytes = 0;
  let recentLargest = 1024;
  const roomAhead = () => outstanding < maxPrefetch && heldBytes + inFlight * recentLargest < maxHeldBytes;

  async function retrying<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (e) {
        if (!(e instanceof ZkError && e.code === "CONNECTION_LOSS") || attempt > connectionRetries) throw e;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  /**
   * One znode as of one moment: data and ACL are read together and kept only when the data did
   * not change between the two reads (same czxid and mzxid in both stats), so the pair and the
   * second stat describe the node at the second read.
   */
  async function fetch(path: string): Promise<Fetched> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let data: { data: Buffer | null; stat: ZnodeStat };
      let acl: { acl: AclEntry[]; stat: ZnodeStat };
      try {
        [data, acl] = await retrying(() => Promise.all([zk.read(path), zk.getAcl(path)]));
      } catch (e) {
        if (isNoNode(e)) return { kind: "vanished", path };
        throw e;
      }
      if (data.stat.czxid !== acl.stat.czxid || data.stat.mzxid !== acl.stat.mzxid) continue;
      const stat = acl.stat;
      if (stat.ephemeralOwner !== 0n && stat.ephemeralOwner !== CONTAINER_OWNER) return { kind: "ephemeral", path };
      const kind: NodeKind = path !== "/" && (stat.ephemeralOwner === CONTAINER_OWNER || isContainer(path)) ? "container" : "persistent";
      let children: string[] = [];
      if (stat.numChildren > 0) {
        try {
          children = (await retrying(() => zk.children(path))).children.slice().sort();
        } catch (e) {
          // Deleted after its data was read: it existed then, with no children left to walk now.
          if (!isNoNode(e)) throw e;
        }
      }
      if (path === "/") children = children.filter((c) => c !== "zookeeper");
      return { kind: "node", node: { path, data: data.data, acl: acl.acl, stat, kind }, children };
    }
    throw new ChangingNodeError(
      `${path} changed between every one of ${maxAttempts} reads of its data and ACL; back up when it is quieter`,
    );
  }

  function start(path: string): Promise<Fetched> {
    outstanding++;
    inFlight++;
    const p = fetch(path).then((f) => {
      inFlight--;
      const size = f.kind === "node" ? (f.node.data?.length ?? 0) : 0;
      heldBytes += size;
      recentLargest = Math.max(1024, size, recentLargest * 0.99);
      return f;
    });
    // Settled later by whoever awaits it; this keeps an early failure from being "unhandled".
    p.catch(() => undefined);
    return p;
  }

  function release(f: Fetched): void {
    outstanding--;
    if (f.kind === "node") heldBytes -= f.node.data?.length ?? 0;
  }

  async function countSubtree(path: string): Promise<number> {
    let children: string[];
    try {
      children = (await retrying(() => zk.children(path))).children;
    } catch (e) {
      if (isNoNode(e)) return 0;
      throw e;
    }
    let count = 1;
    for (const c of children) count += await countSubtree(childPath(path, c));
    return count;
  }

  async function* visit(f: Fetched & { kind: "node" }): AsyncGenerator<WalkEvent> {
    yield { type: "node", node: f.node };
    const names = f.children;
    const window: Promise<Fetched>[] = [];
    let next = 0;
    const fill = () => {
      while (next < names.length && (window.length === 0 || roomAhead())) {
        window.push(start(childPath(f.node.path, names[next++])));
      }
    };
    fill();
    while (window.length) {
      const child = await window.shift()!;
      release(child);
      fill();
      if (child.kind === "node") yield* visit(child);
      else yield { type: child.kind, path: child.path };
    }
  }

  const root = await start("/");
  release(root);
  if (root.kind !== "node") throw new Error("the root znode could not be read");
  yield* visit(root);
  yield { type: "system", path: "/zookeeper", count: await countSubtree("/zookeeper") };
}
