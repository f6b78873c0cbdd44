// The backup and restore commands' pure parts and the backup file's checks, without servers. The
// expected values that describe ZooKeeper (digest ids, sequence numbers, request sizes) were taken
// from ZooKeeper 3.8.0 itself; each says where.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { digestId, grants, identitiesOf, PERMS, temporaryAcl } from "../../zk/backup/acl";
import { isDeclaredContainer, parseContainerPatterns } from "../../zk/backup/containers";
import { BackupWriter } from "../../zk/backup/file-writer";
import { BackupFileError, scanBackup } from "../../zk/backup/file-reader";
import { BackupHeader, FORMAT, NodeRecord } from "../../zk/backup/format";
import { createRequestBytes } from "../../zk/backup/limits";
import { creationsNeeded, sequenceCounter, sequenceNumber } from "../../zk/backup/sequence";
import { TreeReader, walkTree, WalkEvent } from "../../zk/backup/walk";
import { AclEntry, OPEN_ACL, ZkError, ZnodeStat } from "../../zk/zk-client";
import { placeholderStat } from "../../harness/backup-fixtures";

const OPEN = OPEN_ACL;

function header(): BackupHeader {
  return {
    type: "header",
    format: FORMAT,
    version: 1,
    source: "test",
    startedAt: "2026-01-01T00:00:00Z",
    startZxid: "0x1",
    containerPatterns: [],
  };
}

function node(p: string, data: string | null = null, acl = OPEN): NodeRecord {
  const stat = placeholderStat();
  return { type: "node", path: p, data: data === null ? null : Buffer.from(data).toString("base64"), acl, kind: "persistent", stat };
}

async function writeBackup(file: string, nodes: NodeRecord[]): Promise<void> {
  const writer = BackupWriter.open(file, header());
  for (const n of nodes) await writer.node(n);
  const counts = { nodes: nodes.length, containers: 0, dataBytes: 0, ephemeralSkipped: 0, systemSkipped: 0, vanished: 0 };
  await writer.finish({
    type: "trailer",
    finishedAt: "2026-01-01T00:00:01Z",
    endZxid: "0x1",
    consistency: "per-node",
    quiescent: true,
    counts,
  });
}

async function scanError(file: string): Promise<string> {
  try {
    await scanBackup(file);
  } catch (e) {
    expect(e).to.be.instanceOf(BackupFileError);
    return (e as Error).message;
  }
  throw new Error("the file was accepted");
}

describe("backup and restore: ACLs, sequence counters, request sizes", () => {
  it("computes a digest id as ZooKeeper 3.8's DigestAuthenticationProvider does", () => {
    // java -cp zookeeper.jar org.apache.zookeeper.server.auth.DigestAuthenticationProvider app:secret
    expect(digestId("app", "secret")).to.equal("app:F6Y+U5gIoCbNNoLQExmvxRFeatA=");
  });

  it("grants a permission set only when our identities hold every bit, possibly from several entries", () => {
    const ids = identitiesOf([{ scheme: "digest", auth: "app:secret" }]);
    const acl: AclEntry[] = [
      { perms: PERMS.read | PERMS.create, scheme: "world", id: "anyone" },
      { perms: PERMS.delete, scheme: "digest", id: digestId("app", "secret") },
    ];
    expect(grants(acl, ids, PERMS.create | PERMS.delete)).to.equal(true);
    expect(grants(acl, identitiesOf([]), PERMS.create | PERMS.delete)).to.equal(false);
    expect(grants([{ perms: 31, scheme: "digest", id: digestId("app", "other") }], ids, PERMS.create)).to.equal(false);
  });

  it("uses our own digest identity for a temporary ACL, and the open ACL only without one", () => {
    expect(temporaryAcl(identitiesOf([{ scheme: "digest", auth: "app:secret" }]))).to.deep.equal([
      { perms: 31, scheme: "digest", id: "app:F6Y+U5gIoCbNNoLQExmvxRFeatA=" },
    ]);
    expect(temporaryAcl(identitiesOf([]))).to.deep.equal(OPEN);
  });

  it("predicts the next sequence number from a stat as measured on 3.8.0 (cversion 7, 1 child: 4)", () => {
    expect(sequenceCounter({ cversion: 7, numChildren: 1 })).to.equal(4);
    expect(sequenceNumber("item-0000000042")).to.equal(42);
    expect(sequenceNumber("item-42")).to.equal(undefined);
    // Three restored children named up to ...0000000009: the counter is at 3, seven creates take it to 10.
    expect(creationsNeeded({ cversion: 3, numChildren: 3 }, 9)).to.equal(7);
    expect(creationsNeeded({ cversion: 21, numChildren: 1 }, 9)).to.equal(0);
  });

  it("sizes a create request as the 3.8.0 server measured it: 1048575 bytes is the largest accepted", () => {
    // Accepted through the leader with 1048513 bytes of data; one byte more lost the connection.
    expect(createRequestBytes("/bleader1048513", 1048513, OPEN)).to.equal(0xfffff);
  });

  it("matches container patterns by whole names and refuses patterns it cannot honour", () => {
    const patterns = parseContainerPatterns("/locks/*, /leader") as string[];
    expect(isDeclaredContainer("/locks/orders", patterns)).to.equal(true);
    expect(isDeclaredContainer("/locks/orders/x", patterns)).to.equal(false);
    expect(isDeclaredContainer("/leader", patterns)).to.equal(true);
    expect(isDeclaredContainer("/", ["/*"])).to.equal(false);
    expect(parseContainerPatterns("/locks/a*")).to.be.a("string").that.contains("whole name");
    expect(parseContainerPatterns("locks")).to.be.a("string").that.contains("absolute");
    expect(parseContainerPatterns("/zookeeper/quota")).to.be.a("string").that.contains("/zookeeper");
  });
});

describe("the backup file is checked before anything is restored", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-backup-format-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const tree = () => [node("/"), node("/a", "x"), node("/a/b", null), node("/a/c", "y"), node("/d", "")];

  it("accepts a complete file and hands over every znode in order", async () => {
    const file = path.join(dir, "ok.jsonl");
    await writeBackup(file, tree());
    const seen: string[] = [];
    const { trailer } = await scanBackup(file, (r) => void seen.push(r.path));
    expect(seen).to.deep.equal(["/", "/a", "/a/b", "/a/c", "/d"]);
    expect(trailer.counts.nodes).to.equal(5);
  });

  it("leaves no file under the final name when a backup is aborted", async () => {
    const file = path.join(dir, "aborted.jsonl");
    const writer = BackupWriter.open(file, header());
    await writer.node(node("/"));
    await writer.abort();
    expect(fs.readdirSync(dir)).to.deep.equal([]);
  });

  it("refuses a file cut short at a line boundary or in the middle of a line: truncated", async () => {
    const file = path.join(dir, "full.jsonl");
    await writeBackup(file, tree());
    const text = fs.readFileSync(file, "utf8");
    const lines = text.split("\n");
    fs.writeFileSync(path.join(dir, "cut-line.jsonl"), lines.slice(0, 3).join("\n") + "\n");
    fs.writeFileSync(path.join(dir, "cut-mid.jsonl"), text.slice(0, text.indexOf("/a/c") + 10));
    expect(await scanError(path.join(dir, "cut-line.jsonl"))).to.match(/truncated: it ends after 2 znodes without its trailer/);
    expect(await scanError(path.join(dir, "cut-mid.jsonl"))).to.match(/truncated: its last line \(5\) stops mid-record/);
  });

  it("refuses a file that is not ours, and one from a newer format version", async () => {
    fs.writeFileSync(path.join(dir, "other.json"), '{"some":"json"}\n');
    fs.writeFileSync(path.join(dir, "text.txt"), "hello\n");
    fs.writeFileSync(path.join(dir, "empty.jsonl"), "");
    fs.writeFileSync(path.join(dir, "newer.jsonl"), JSON.stringify({ ...header(), version: 2 }) + "\n");
    expect(await scanError(path.join(dir, "other.json"))).to.contain(`not a backup made by npm run backup`);
    expect(await scanError(path.join(dir, "text.txt"))).to.contain(`not a backup made by npm run backup`);
    expect(await scanError(path.join(dir, "empty.jsonl"))).to.contain("empty");
    expect(await scanError(path.join(dir, "newer.jsonl"))).to.contain("format version 2, newer than this restore reads (1)");
  });

  it("refuses a file altered after it was written: changed data, or lines out of tree order", async () => {
    const file = path.join(dir, "full.jsonl");
    await writeBackup(file, tree());
    const text = fs.readFileSync(file, "utf8");
    const altered = path.join(dir, "altered.jsonl");
    fs.writeFileSync(altered, text.replace(`"data":"eA=="`, `"data":"eQ=="`));
    expect(await scanError(altered)).to.contain("does not match the SHA-256 in its trailer");

    const disordered = path.join(dir, "disordered.jsonl");
    await writeBackup(disordered, [node("/"), node("/a"), node("/d"), node("/a/b")]);
    expect(await scanError(disordered)).to.contain("/a/b is not under the znode before it or one of its ancestors");
  });
});

/** An in-memory tree behind the TreeReader interface, counting reads in flight. */
class FakeTree implements TreeReader {
  inFlight = 0;
  maxInFlight = 0;
  /** Paths whose data changes between the data read and the ACL read, this many times. */
  changing = new Map<string, number>();
  constructor(readonly nodes: Map<string, { data: Buffer | null; ephemeral?: boolean; mzxid?: bigint }>) {}

  private stat(p: string): ZnodeStat {
    const n = this.nodes.get(p);
    if (!n) throw new ZkError("NO_NODE", "get", p);
    const numChildren = this.childrenOf(p).length;
    const z = n.mzxid ?? 1n;
    return {
      czxid: 1n,
      mzxid: z,
      pzxid: 1n,
      ctime: 0,
      mtime: 0,
      version: 0,
      cversion: 0,
      aversion: 0,
      ephemeralOwner: n.ephemeral ? 7n : 0n,
      dataLength: 0,
      numChildren,
    };
  }

  private childrenOf(p: string): string[] {
    return [...this.nodes.keys()]
      .filter((k) => k !== p && k.slice(0, k.lastIndexOf("/") || 1) === p)
      .map((k) => k.slice(k.lastIndexOf("/") + 1));
  }

  private async timed<T>(f: () => T): Promise<T> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 1));
    this.inFlight--;
    return f();
  }

  read(p: string) {
    return this.timed(() => ({ data: this.nodes.get(p)?.data ?? null, stat: this.stat(p) }));
  }

  getAcl(p: string) {
    return this.timed(() => {
      const left = this.changing.get(p) ?? 0;
      if (left > 0) {
        this.changing.set(p, left - 1);
        const n = this.nodes.get(p)!;
        n.mzxid = (n.mzxid ?? 1n) + 1n;
        n.data = Buffer.from(`v${n.mzxid}`);
      }
      return { acl: OPEN, stat: this.stat(p) };
    });
  }

  children(p: string) {
    return this.timed(() => ({ children: this.childrenOf(p), stat: this.stat(p) }));
  }
}

describe("the tree walk", () => {
  async function walk(tree: FakeTree, options = {}): Promise<WalkEvent[]> {
    const events: WalkEvent[] = [];
    for await (const e of walkTree(tree, options)) events.push(e);
    return events;
  }

  it("yields pre-order with sorted children, skips ephemerals and /zookeeper, and counts them", async () => {
    const tree = new FakeTree(
      new Map([
        ["/", { data: null }],
        ["/b", { data: null }],
        ["/a", { data: Buffer.from("x") }],
        ["/a/e", { data: null, ephemeral: true }],
        ["/a/c", { data: null }],
        ["/zookeeper", { data: null }],
        ["/zookeeper/quota", { data: null }],
      ]),
    );
    const events = await walk(tree);
    expect(events.filter((e) => e.type === "node").map((e) => (e as { node: { path: string } }).node.path)).to.deep.equal([
      "/",
      "/a",
      "/a/c",
      "/b",
    ]);
    expect(events.filter((e) => e.type === "ephemeral")).to.deep.equal([{ type: "ephemeral", path: "/a/e" }]);
    expect(events.find((e) => e.type === "system")).to.deep.equal({ type: "system", path: "/zookeeper", count: 2 });
  });

  it("rereads a znode whose data changed between its data and ACL reads, and keeps a matching pair", async () => {
    const tree = new FakeTree(
      new Map([
        ["/", { data: null }],
        ["/hot", { data: Buffer.from("v1") }],
      ]),
    );
    tree.changing.set("/hot", 2);
    const events = await walk(tree);
    const hot = events.find((e) => e.type === "node" && e.node.path === "/hot") as { node: { data: Buffer; stat: ZnodeStat } };
    expect(hot.node.data.toString()).to.equal(`v${hot.node.stat.mzxid}`);
    expect(hot.node.stat.mzxid).to.equal(3n);
  });

  it("keeps its reads ahead within the bound however wide the tree", async () => {
    const nodes = new Map<string, { data: Buffer | null }>([["/", { data: null }]]);
    for (let i = 0; i < 500; i++) nodes.set(`/n${String(i).padStart(3, "0")}`, { data: null });
    const tree = new FakeTree(nodes);
    const events = await walk(tree, { maxPrefetch: 16 });
    expect(events.filter((e) => e.type === "node")).to.have.length(501);
    // Two reads (data and ACL) per znode in flight, at most 16 znodes ahead.
    expect(tree.maxInFlight).to.be.at.most(32);
    expect(tree.maxInFlight).to.be.at.least(8);
  });
});
