// npm run backup and npm run restore on real ZooKeeper servers (the fetched release, 3.9.5 by default, the project's
// rendered config, loopback addresses 127.0.0.100-130): the commands run as a user runs them, as
// subprocesses, and the trees are compared through a reader of their own, not the backup's walk.
import { expect } from "chai";
import { execFile, ExecFileException, execFileSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { digestId } from "../../zk/backup/acl";
import { usageLine } from "../../ops/lib/cli-args";
import { RESTORE } from "../../ops/lib/commands";
import { BackupWriter } from "../../zk/backup/file-writer";
import { FORMAT, NodeRecord } from "../../zk/backup/format";
import { maxCreateData } from "../../zk/backup/limits";
import { AclEntry, OPEN_ACL, ZkClient, ZkError } from "../../zk/zk-client";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { placeholderStat } from "../../harness/backup-fixtures";

const ROOT = path.resolve(__dirname, "..", "..");
const OPEN = OPEN_ACL;
const APP = { scheme: "digest", auth: "app:secret" };
const APP_ONLY: AclEntry[] = [{ perms: 31, scheme: "digest", id: digestId("app", "secret") }];
const READ_ALL_WRITE_APP: AclEntry[] = [{ perms: 1, scheme: "world", id: "anyone" }, ...APP_ONLY];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs ops/<command>.ts as `npm run <command>` would (in `cwd`, the project's folder by default), bounded. */
function cli(command: "backup" | "restore", args: string[], { ms = 120000, cwd = ROOT } = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "ops", `${command}.ts`), ...args],
      { cwd, timeout: ms, maxBuffer: 16 * 1024 * 1024 },
      (err: ExecFileException | null, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

/** The ensemble's zkCli.sh (the release's client) with commands on stdin (one JVM for all of them), bounded. */
function zkCli(ensemble: LocalEnsemble, server: string, commands: string[]): Promise<string> {
  const zkCliPath = path.join(ensemble.binDir, "zkCli.sh");
  return new Promise((resolve, reject) => {
    const child = execFile("bash", [zkCliPath, "-server", server], { timeout: 60000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`zkCli.sh failed: ${err.message}\n${stderr}`)) : resolve(stdout),
    );
    child.stdin!.end(commands.join("\n") + "\nquit\n");
  });
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

interface Seen {
  data: string | null;
  acl: AclEntry[];
  ephemeral: boolean;
}

/** Every znode but /zookeeper: data (base64, null kept apart from empty), ACL in server order, ephemeral or not. */
async function readTree(zk: ZkClient): Promise<Map<string, Seen>> {
  const tree = new Map<string, Seen>();
  let level = ["/"];
  while (level.length) {
    const next: string[] = [];
    await pool(level, 64, async (p) => {
      const [{ data, stat }, { acl }, { children }] = await Promise.all([zk.read(p), zk.getAcl(p), zk.children(p)]);
      tree.set(p, { data: data === null ? null : data.toString("base64"), acl, ephemeral: stat.ephemeralOwner !== 0n });
      for (const c of children) if (!(p === "/" && c === "zookeeper")) next.push(p === "/" ? `/${c}` : `${p}/${c}`);
    });
    level = next;
  }
  return tree;
}

/** The differences between two trees, at most `limit` of them, for a readable failure. */
function differences(expected: Map<string, Seen>, actual: Map<string, Seen>, limit = 5): string[] {
  const out: string[] = [];
  for (const [p, want] of expected) {
    const got = actual.get(p);
    if (!got) out.push(`${p}: missing`);
    else if (got.data !== want.data) out.push(`${p}: data ${String(got.data).slice(0, 20)} instead of ${String(want.data).slice(0, 20)}`);
    else if (JSON.stringify(got.acl) !== JSON.stringify(want.acl))
      out.push(`${p}: ACL ${JSON.stringify(got.acl)} instead of ${JSON.stringify(want.acl)}`);
  }
  for (const p of actual.keys()) if (!expected.has(p)) out.push(`${p}: not in the source`);
  return out.slice(0, limit);
}

/** A deterministic byte source, so a failure can be rerun with the same data. */
function bytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** An ensemble for the current describe block, serving before its first case and destroyed after its last. */
function useEnsemble(replicas: number, base: number, jvmFlags: string[] = []): () => LocalEnsemble {
  let zk: LocalEnsemble | undefined;
  before(async function () {
    this.timeout(90000);
    zk = new LocalEnsemble({ replicas }, base);
    zk.addJvmFlags(...jvmFlags);
    zk.start();
    await zk.waitReady(undefined, 60000);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && zk) console.error(zk.logTails());
  });
  after(async () => {
    await zk?.destroy();
  });
  return () => zk!;
}

function useTempDir(): () => string {
  let dir: string | undefined;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-backup-test-"));
  });
  after(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => dir!;
}

/** Removes every znode but /zookeeper, a level at a time from the deepest. */
async function wipe(zk: ZkClient): Promise<void> {
  const paths = [...(await readTree(zk)).keys()].filter((p) => p !== "/");
  const depth = (p: string) => p.split("/").length;
  for (let d = Math.max(0, ...paths.map(depth)); d > 1; d--) {
    await pool(
      paths.filter((p) => depth(p) === d),
      128,
      (p) => zk.remove(p),
    );
  }
}

/** A backup file of these znodes (in tree order), as a backup of some other ensemble would be. */
async function writeBackup(file: string, paths: string[], aclOf: (p: string) => AclEntry[] = () => OPEN): Promise<void> {
  const stat = placeholderStat();
  const writer = BackupWriter.open(file, {
    type: "header",
    format: FORMAT,
    version: 1,
    source: "another ensemble",
    startedAt: new Date().toISOString(),
    startZxid: "0x1",
    containerPatterns: [],
  });
  for (const p of paths) {
    const record: NodeRecord = { type: "node", path: p, data: Buffer.from(p).toString("base64"), acl: aclOf(p), kind: "persistent", stat };
    await writer.node(record);
  }
  await writer.finish({
    type: "trailer",
    finishedAt: new Date().toISOString(),
    endZxid: "0x1",
    consistency: "per-node",
    quiescent: true,
    counts: { nodes: paths.length, containers: 0, dataBytes: 0, ephemeralSkipped: 0, systemSkipped: 0, vanished: 0 },
  });
}

const reportLines = (file: string) =>
  fs
    .readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));

describe("backup and restore on real ZooKeeper", function () {
  this.timeout(180000);

  describe("10,000 znodes from a five-server ensemble, restored into a fresh three-server one", () => {
    const source = useEnsemble(5, 100);
    // The target's server looks for empty containers every 300 ms instead of every minute.
    const target = useEnsemble(3, 110, ["-Dznode.container.checkIntervalMs=300"]);
    const dir = useTempDir();
    let backup: Run;
    let restore: Run;
    let sourceTree: Map<string, Seen>;
    let targetTree: Map<string, Seen>;
    let highestQueued: number;
    let file: string;

    before(async function () {
      this.timeout(170000);
      file = path.join(dir(), "backup.jsonl");
      const zk = await ZkClient.open(source().connect(), { auth: [APP], requestMs: 20000 });
      const holder = await ZkClient.open(source().connect([1]));
      try {
        // The root's own data and ACL (still open to everyone, and to app by name).
        await zk.setData("/", Buffer.from("cluster root"));
        await zk.setAcl("/", [...OPEN, ...APP_ONLY]);
        // 100 directories of 100 znodes: binary data of 0-300 bytes, some without data (null)
        // and some empty; every 50th readable by everyone and writable by app only; one directory
        // open to app alone, so its children can be created only under a temporary ACL.
        await zk.createNode("/app", Buffer.from("root of the app"), OPEN);
        const dirs = Array.from({ length: 100 }, (_, d) => `/app/d${String(d).padStart(2, "0")}`);
        await pool(dirs, 100, (d) => zk.createNode(d, null, d === "/app/d07" ? APP_ONLY : OPEN));
        const leaves = dirs.flatMap((d, i) =>
          Array.from({ length: 100 }, (_, n) => ({ path: `${d}/n${String(n).padStart(3, "0")}`, seed: i * 100 + n })),
        );
        await pool(leaves, 256, ({ path: p, seed }) =>
          zk.createNode(
            p,
            seed % 10 === 0 ? null : seed % 11 === 0 ? Buffer.alloc(0) : bytes(seed, seed % 301),
            seed % 50 === 0 ? READ_ALL_WRITE_APP : OPEN,
          ),
        );
        // The largest data the server takes, at a leaf and at a guarded parent.
        await zk.createNode("/big", null, OPEN);
        await zk.createNode("/big/max", bytes(1, maxCreateData("/big/max", OPEN)), OPEN);
        await zk.createNode("/big/guarded", bytes(2, maxCreateData("/big/guarded", APP_ONLY)), APP_ONLY);
        await zk.createNode("/big/guarded/child", Buffer.from("c"), OPEN);
        // A queue with gaps: 300 sequential children, every other one and the last 20 consumed.
        await zk.createNode("/queue", null, OPEN);
        const queued: string[] = [];
        for (let i = 0; i < 300; i++) queued.push(await zk.createNode("/queue/item-", bytes(i, 8), OPEN, "persistent-sequential"));
        await pool(
          queued.filter((_, i) => i % 2 === 1 || i >= 280),
          64,
          (p) => zk.remove(p),
        );
        highestQueued = 278;
        // Containers and a digest ACL made by the Java client, as another application would.
        await zkCli(source(), source().connect([0]), [
          "addauth digest app:secret",
          "create /containers",
          "create -c /containers/c1",
          "create /containers/c1/item one",
          "create -c /containers/undeclared",
          "create /containers/undeclared/item two",
          "create -c /containers/locks",
          "create -s /containers/locks/lock- a",
          "create -s /containers/locks/lock- b",
          "create /secure",
          "create /secure/by-cli secret-value auth::cdrwa",
        ]);
        // Ephemerals of a live session: not part of a backup.
        for (let i = 0; i < 5; i++) await holder.createNode(`/app/d00/eph-${i}`, Buffer.from("e"), OPEN, "ephemeral");
        backup = await cli("backup", [
          "--servers",
          source().connect(),
          "--out",
          file,
          "--auth",
          "digest:app:secret",
          "--containers",
          "/containers/c1,/containers/locks",
        ]);
        sourceTree = await readTree(zk);
      } finally {
        holder.close();
        zk.close();
      }
      expect(backup.code, backup.stderr).to.equal(0);
      // A restorer that is not the app user: the app's guarded znodes need temporary ACLs of its own.
      restore = await cli("restore", [
        "--servers",
        target().connect(),
        "--in",
        file,
        "--auth",
        "digest:restorer:pw",
        "--report",
        path.join(dir(), "report.jsonl"),
      ]);
      expect(restore.code, restore.stderr).to.equal(0);
      targetTree = await ZkClient.open(target().connect(), { auth: [APP] }).then(async (zk) => {
        try {
          return await readTree(zk);
        } finally {
          zk.close();
        }
      });
    });

    it("the restored tree equals the source byte for byte: every path, data (null apart from empty, 1 MB values), ACL, the root's included", () => {
      const persistent = new Map([...sourceTree].filter(([, s]) => !s.ephemeral));
      expect(persistent.size).to.be.greaterThan(10000);
      expect(differences(persistent, targetTree)).to.deep.equal([]);
      // The most a create of /big/max with the open ACL may carry: 1048520 bytes.
      expect(Buffer.from(targetTree.get("/big/max")!.data!, "base64").length).to.equal(maxCreateData("/big/max", OPEN));
    });

    it("ephemeral znodes and /zookeeper are left out, and the backup counts them", () => {
      const trailer = JSON.parse(fs.readFileSync(file, "utf8").trim().split("\n").pop()!);
      expect(trailer.counts.ephemeralSkipped).to.equal(5);
      expect(trailer.counts.systemSkipped).to.equal(3); // /zookeeper, /zookeeper/quota, /zookeeper/config
      expect([...targetTree.keys()].filter((p) => p.includes("/eph-"))).to.deep.equal([]);
      expect(backup.stdout).to.contain("skipped 5 ephemeral");
    });

    it("a digest ACL restored as it was admits the same user and password, and nobody else", async () => {
      const asApp = await ZkClient.open(target().connect(), { auth: [APP] });
      const anonymous = await ZkClient.open(target().connect());
      try {
        expect((await asApp.read("/secure/by-cli")).data!.toString()).to.equal("secret-value");
        await asApp.setData("/app/d00/n000", Buffer.from("changed by app"));
        const refused = await anonymous.read("/secure/by-cli").catch((e) => e);
        expect(refused).to.be.instanceOf(ZkError);
        expect(refused.code).to.equal("NO_AUTH");
      } finally {
        asApp.close();
        anonymous.close();
      }
    });

    it("the next sequential child of a restored parent is numbered above every restored one", async () => {
      const zk = await ZkClient.open(target().connect());
      try {
        const next = await zk.createNode("/queue/item-", null, OPEN, "persistent-sequential");
        expect(Number(next.slice(-10))).to.be.greaterThan(highestQueued);
        const lock = await zk.createNode("/containers/locks/lock-", null, OPEN, "persistent-sequential");
        expect(lock).to.equal("/containers/locks/lock-0000000002");
      } finally {
        zk.close();
      }
      // /queue needed raising; /containers/locks did not (its two children were its only creates).
      expect(restore.stdout).to.match(/^sequence counters raised under 1 parent \(\d+ throwaway creates\)/m);
    });

    it("declared containers are containers again: the server deletes one when its last child goes; an undeclared one stays", async () => {
      const zk = await ZkClient.open(target().connect());
      try {
        await zk.remove("/containers/c1/item");
        await zk.remove("/containers/undeclared/item");
        await waitFor(
          "the server to delete the emptied container /containers/c1",
          async () => (await zk.stat("/containers/c1")) === null,
          15000,
        );
        // Ten container checks later, the undeclared one (restored as persistent) is still there.
        await new Promise((r) => setTimeout(r, 3000));
        expect(await zk.stat("/containers/undeclared")).to.not.equal(null);
      } finally {
        zk.close();
      }
    });

    it("each command says what it did: counts on stdout and exit 0", () => {
      expect(backup.stdout).to.match(/^backed up \d{5} znodes \(2 containers, [\d.]+ MB of data\) from 127\.0\.0\.100:2181,/);
      expect(restore.stdout).to.match(/^restored .* into 127\.0\.0\.110:2181,127\.0\.0\.111:2181,127\.0\.0\.112:2181$/m);
      expect(restore.stdout).to.match(/^created \d{5} \(2 containers\), skipped 0, overwritten 0; root restored$/m);
      expect(restore.stdout).to.match(/\b3 ACLs set after their children\b/); // /, /app/d07, /big/guarded
    });
  });

  describe("on one server: existing data, a live writer, failures and bad input", () => {
    const ensemble = useEnsemble(1, 120);
    const dir = useTempDir();
    let file: string;
    let client: ZkClient;

    /** The tree the backup holds. */
    async function original(zk: ZkClient): Promise<void> {
      await zk.createNode("/svc", Buffer.from("service"), OPEN);
      await zk.createNode("/svc/config", Buffer.from("from-backup"), READ_ALL_WRITE_APP);
      await zk.createNode("/svc/gone", Buffer.from("deleted later"), OPEN);
      for (let i = 0; i < 30; i++) await zk.createNode(`/svc/item-${i}`, Buffer.from(String(i)), OPEN);
    }

    /** What the ensemble holds after the backup: one znode changed (data and ACL), one deleted, one added. */
    async function drifted(zk: ZkClient): Promise<void> {
      await wipe(zk);
      await original(zk);
      await zk.setData("/svc/config", Buffer.from("changed-locally"));
      await zk.setAcl("/svc/config", OPEN);
      await zk.remove("/svc/gone");
      await zk.createNode("/svc/extra", Buffer.from("local only"), OPEN);
    }

    before(async () => {
      client = await ZkClient.open(ensemble().connect(), { auth: [APP] });
      await original(client);
      file = path.join(dir(), "svc.jsonl");
      const run = await cli("backup", ["--servers", ensemble().connect(), "--out", file, "--auth", "digest:app:secret"]);
      expect(run.code, run.stderr).to.equal(0);
    });
    after(() => client?.close());

    it("without --on-conflict a restore into a non-empty tree is refused (exit 1), changes nothing and writes no report: the advice then works with the same --report", async () => {
      await drifted(client);
      const untouched = await readTree(client);
      const report = path.join(dir(), "refused.jsonl");
      const args = ["--servers", ensemble().connect(), "--in", file, "--report", report, "--auth", "digest:app:secret"];
      const run = await cli("restore", args);
      expect(run.code).to.equal(1);
      expect(run.stderr.trim().split("\n"), "one line, no report line").to.have.length(1);
      expect(run.stderr).to.match(/^restore: refused: 32 of the backup's znodes already exist in the target \(\/svc, /);
      expect(run.stderr).to.contain("nothing was changed");
      expect(run.stderr).to.contain("--on-conflict overwrite");
      expect(differences(untouched, await readTree(client))).to.deep.equal([]);
      expect(fs.existsSync(report), "no report of a restore that changed nothing").to.equal(false);
      // As the refusal advises, with the same command line otherwise.
      const rerun = await cli("restore", [...args, "--on-conflict", "overwrite"]);
      expect(rerun.code, rerun.stderr).to.equal(0);
      expect(rerun.stdout).to.match(/^created 1 \(0 containers\), skipped 0, overwritten 32; root unchanged$/m);
      expect(reportLines(report).at(-1)).to.include({ type: "trailer", outcome: "ok" });
    });

    it("without --report the report goes to restore-reports/ in the folder the command runs in, made when first needed", async () => {
      await wipe(client);
      const project = fs.mkdtempSync(path.join(dir(), "project-"));
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"));
      const run = await cli("restore", ["--servers", ensemble().connect(), "--in", file, "--auth", "digest:app:secret"], { cwd: project });
      expect(run.code, run.stderr).to.equal(0);
      const written = fs.readdirSync(path.join(project, "restore-reports"));
      expect(written).to.have.length(1);
      expect(written[0]).to.match(/^restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.jsonl$/);
      expect(run.stdout).to.contain(`report: ${path.join("restore-reports", written[0])}\n`);
      expect(reportLines(path.join(project, "restore-reports", written[0])).at(-1)).to.include({ type: "trailer", outcome: "ok" });
      expect(fs.readdirSync(project).sort(), "nothing else in the folder").to.deep.equal(["node_modules", "restore-reports"]);
      const ignored = execFileSync("git", ["check-ignore", "restore-reports/x.jsonl"], { cwd: ROOT, encoding: "utf8" });
      expect(ignored.trim(), "git ignores the project's restore-reports/").to.equal("restore-reports/x.jsonl");
    });

    it("--on-conflict skip recreates what is missing and keeps what exists as it is", async () => {
      await drifted(client);
      const run = await cli("restore", [
        "--servers",
        ensemble().connect(),
        "--in",
        file,
        "--on-conflict",
        "skip",
        "--report",
        path.join(dir(), "skip.jsonl"),
      ]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^created 1 \(0 containers\), skipped 32, overwritten 0; root unchanged$/m);
      expect((await client.read("/svc/gone")).data!.toString()).to.equal("deleted later");
      expect((await client.read("/svc/config")).data!.toString()).to.equal("changed-locally");
      expect((await client.getAcl("/svc/config")).acl).to.deep.equal(OPEN);
      expect(await client.stat("/svc/extra")).to.not.equal(null);
    });

    it("--on-conflict overwrite puts the backup's data and ACL back on what exists, and leaves other znodes alone", async () => {
      await drifted(client);
      const run = await cli("restore", [
        "--servers",
        ensemble().connect(),
        "--in",
        file,
        "--on-conflict",
        "overwrite",
        "--report",
        path.join(dir(), "overwrite.jsonl"),
      ]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/^created 1 \(0 containers\), skipped 0, overwritten 32; root unchanged$/m);
      expect((await client.read("/svc/config")).data!.toString()).to.equal("from-backup");
      expect((await client.getAcl("/svc/config")).acl).to.deep.equal(READ_ALL_WRITE_APP);
      expect((await client.read("/svc/gone")).data!.toString()).to.equal("deleted later");
      expect(await client.stat("/svc/extra")).to.not.equal(null);
    });

    it("--on-conflict overwrite puts back null data (zkCli.sh create /x) as null, not as an empty value, and does not crash", async () => {
      await wipe(client);
      await client.createNode("/nulls", null, OPEN);
      await client.createNode("/nulls/a", null, OPEN);
      const nullFile = path.join(dir(), "nulls.jsonl");
      const backup = await cli("backup", ["--servers", ensemble().connect(), "--out", nullFile]);
      expect(backup.code, backup.stderr).to.equal(0);
      await client.setData("/nulls/a", Buffer.from("changed"));
      const run = await cli("restore", [
        "--servers",
        ensemble().connect(),
        "--in",
        nullFile,
        "--on-conflict",
        "overwrite",
        "--report",
        path.join(dir(), "nulls-overwrite.jsonl"),
      ]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.match(/overwritten 2; root unchanged$/m);
      expect((await client.read("/nulls/a")).data).to.equal(null);
      expect((await client.read("/nulls")).data).to.equal(null);
    });

    it("a backup taken while a writer changes data and ACLs holds each znode's data, ACL and stat from one moment, and says it is consistent per znode", async () => {
      await wipe(client);
      await client.createNode("/filler", null, OPEN);
      await pool(
        Array.from({ length: 3000 }, (_, i) => `/filler/f${i}`),
        256,
        (p) => client.createNode(p, bytes(p.length, 100), OPEN),
      );
      const hot = Array.from({ length: 20 }, (_, i) => `/hot-${i}`);
      for (const p of hot) await client.createNode(p, Buffer.from("0"), OPEN);
      // The n-th change of a hot znode sets its data to n (version n), then its ACL to one naming n (aversion n).
      const aclFor = (n: number): AclEntry[] => [...OPEN, { perms: 1, scheme: "digest", id: `v:${n}` }];
      let writing = true;
      let changes = 0;
      const writer = (async () => {
        for (let n = 1; writing; n++) {
          await Promise.all(hot.map((p) => client.setData(p, Buffer.from(String(n))).then(() => client.setAcl(p, aclFor(n)))));
          changes = n;
        }
      })();
      const out = path.join(dir(), "live.jsonl");
      const run = await cli("backup", ["--servers", ensemble().connect(), "--out", out]);
      writing = false;
      await writer;
      expect(run.code, run.stderr).to.equal(0);
      const lines = fs
        .readFileSync(out, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      const records = lines.filter((l) => l.type === "node" && l.path.startsWith("/hot-")) as NodeRecord[];
      expect(records).to.have.length(20);
      expect(changes, "the writer ran during the backup").to.be.greaterThan(5);
      for (const r of records) {
        expect(Buffer.from(r.data!, "base64").toString(), `${r.path} data vs version`).to.equal(String(r.stat.version));
        const aclId = r.stat.aversion === 0 ? undefined : `v:${r.stat.aversion}`;
        expect(r.acl.find((a) => a.scheme === "digest")?.id, `${r.path} ACL vs aversion`).to.equal(aclId);
      }
      const trailer = lines[lines.length - 1];
      expect(trailer).to.include({ consistency: "per-node", quiescent: false });
      expect(BigInt(trailer.endZxid) > BigInt(lines[0].startZxid)).to.equal(true);
      expect(run.stdout).to.contain("writes ran meanwhile: each znode is consistent in itself, not with the others");
    });

    it("a restore that fails part way exits 1 and its report lists exactly the znodes it created", async () => {
      await wipe(client);
      // A backup from a source with an auth scheme the target does not have (sasl): the target
      // refuses that znode's ACL, after some of the others are created.
      const failing = path.join(dir(), "failing.jsonl");
      const paths = ["/"];
      for (let d = 0; d < 10; d++) {
        paths.push(`/r${d}`);
        for (let n = 0; n < 50; n++) paths.push(`/r${d}/n${String(n).padStart(2, "0")}`);
      }
      await writeBackup(failing, paths, (p) => (p === "/r4/n17" ? [{ perms: 31, scheme: "sasl", id: "kafka" }] : OPEN));
      const report = path.join(dir(), "failed.jsonl");
      const run = await cli("restore", ["--servers", ensemble().connect(), "--in", failing, "--report", report]);
      expect(run.code).to.equal(1);
      expect(run.stderr.trim().split("\n")).to.have.length(2);
      expect(run.stderr).to.match(/^restore: restore failed: create \/r4\/n17: the target refuses the znode's ACL \(INVALID_ACL\)/);
      expect(run.stderr).to.match(/^restore: report: .*failed\.jsonl$/m);
      const lines = reportLines(report);
      const created = lines.filter((l) => l.type === "created").map((l) => l.path);
      const present = [...(await readTree(client)).keys()].filter((p) => p !== "/");
      expect(created.length).to.be.greaterThan(200);
      expect(created.length).to.be.lessThan(paths.length - 1);
      expect(created.slice().sort()).to.deep.equal(present.sort());
      expect(lines[lines.length - 1]).to.include({ type: "trailer", outcome: "failed" });
      expect(lines[lines.length - 1].counts.created).to.equal(created.length);
    });

    it("a restore stopped with Ctrl-C lets its requests finish, exits 1 and reports exactly what it created", async () => {
      await wipe(client);
      const big = path.join(dir(), "big.jsonl");
      const paths = ["/"];
      for (let d = 0; d < 30; d++) {
        paths.push(`/i${String(d).padStart(2, "0")}`);
        for (let n = 0; n < 1000; n++) paths.push(`/i${String(d).padStart(2, "0")}/n${String(n).padStart(3, "0")}`);
      }
      await writeBackup(big, paths);
      const report = path.join(dir(), "interrupted.jsonl");
      const child = execFile(
        process.execPath,
        ["--import", "tsx", path.join(ROOT, "ops", "restore.ts"), "--servers", ensemble().connect(), "--in", big, "--report", report],
        {
          cwd: ROOT,
          timeout: 120000,
        },
      );
      let stderr = "";
      child.stderr!.on("data", (d) => (stderr += d));
      // Ctrl-C once the report shows creates under way (it is written in 64 KB batches); once
      // only, as a second Ctrl-C kills the command.
      await waitFor("the first creates in the report", async () => fs.existsSync(report) && fs.statSync(report).size > 1000, 60000);
      child.kill("SIGINT");
      const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
      expect(code, stderr).to.equal(1);
      expect(stderr).to.match(
        /^restore: restore failed: interrupted\. Created \d+ znodes before it stopped; the report lists each\. Rerun with --on-conflict overwrite and another --report \(this one stays the record of this run\) to complete the restore$/m,
      );
      const lines = reportLines(report);
      const created = lines.filter((l) => l.type === "created").map((l) => l.path);
      const present = [...(await readTree(client)).keys()].filter((p) => p !== "/");
      expect(created.length).to.be.greaterThan(0);
      expect(created.length).to.be.lessThan(paths.length - 1);
      expect(created.slice().sort()).to.deep.equal(present.sort());
    });

    it("a truncated backup file, or a file that is not a backup, is refused before anything is created: exit 2, one line", async () => {
      await wipe(client);
      const text = fs.readFileSync(file, "utf8");
      const truncated = path.join(dir(), "truncated.jsonl");
      fs.writeFileSync(truncated, text.slice(0, Math.floor(text.length * 0.6)));
      const foreign = path.join(dir(), "foreign.json");
      fs.writeFileSync(foreign, JSON.stringify({ path: "/svc", data: "c2VydmljZQ==" }) + "\n");
      for (const [input, reason] of [
        [truncated, /truncated: its last line \(\d+\) stops mid-record and there is no trailer; use a complete backup$/],
        [foreign, /not a backup made by npm run backup: its first line is not a header with "format": "kind-zookeeper-backup"$/],
      ] as const) {
        const run = await cli("restore", [
          "--servers",
          ensemble().connect(),
          "--in",
          input,
          "--report",
          path.join(dir(), `r-${path.basename(input)}`),
        ]);
        expect(run.code, run.stderr).to.equal(2);
        expect(run.stderr.trim().split("\n")).to.have.length(1);
        expect(run.stderr.trim()).to.match(reason);
      }
      expect([...(await readTree(client)).keys()]).to.deep.equal(["/"]);
    });

    it("a backup that may not read a znode fails (exit 1) naming it and --auth, and leaves no file", async () => {
      await wipe(client);
      await client.createNode("/private", Buffer.from("p"), APP_ONLY);
      const out = path.join(dir(), "unreadable.jsonl");
      const run = await cli("backup", ["--servers", ensemble().connect(), "--out", out]);
      expect(run.code).to.equal(1);
      expect(run.stderr.trim().split("\n")).to.have.length(1);
      expect(run.stderr).to.match(
        /^backup failed: (get|getAcl) \/private: not allowed by the znode's ACL; pass --auth with credentials it grants/,
      );
      expect(fs.readdirSync(dir()).filter((f) => f.startsWith("unreadable"))).to.deep.equal([]);
    });

    it("a server that accepts and never gives a session is exit 2 with one line, within --timeout", async () => {
      // 127.0.0.130: in this suite's range; something that takes connections and never answers.
      const held: net.Socket[] = [];
      const silent = net.createServer((socket) => held.push(socket));
      await new Promise<void>((r) => silent.listen(0, "127.0.0.130", r));
      try {
        const address = `127.0.0.130:${(silent.address() as net.AddressInfo).port}`;
        const none = await cli("backup", ["--servers", address, "--out", path.join(dir(), "none.jsonl"), "--timeout", "1"]);
        expect(none.code).to.equal(2);
        expect(none.ms, "the 1 s bound, plus starting node").to.be.below(8000);
        expect(none.stderr.trim()).to.equal(
          `backup: cannot connect to ${address}: no server there gave a session within 1 s (check --servers, that the servers run and are reachable, and that they have a quorum)`,
        );
        expect(fs.existsSync(path.join(dir(), "none.jsonl"))).to.equal(false);
      } finally {
        for (const socket of held) socket.destroy();
        await new Promise<void>((r) => silent.close(() => r()));
      }
    });

    it("a bad option value is exit 2 naming it, with the usage line", async () => {
      const mode = await cli("restore", ["--servers", ensemble().connect(), "--in", file, "--on-conflict", "merge"]);
      expect(mode.code).to.equal(2);
      expect(mode.stderr.split("\n").slice(0, 2)).to.deep.equal([
        'restore: --on-conflict takes fail, skip, overwrite, got "merge"',
        `usage: ${usageLine(RESTORE)}`,
      ]);
    });
  });
});
