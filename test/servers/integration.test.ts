// The rendered zoo.cfg, start script and probes on real ZooKeeper servers (the fetched release, 3.9.5 by default:
// harness/zookeeper-install.ts) on
// loopback: the tutorial's checks (leader election, sanity test, durability, liveness, readiness,
// process failure) plus quorum loss. The cases of a block share its servers (starting Java is the
// slow part) but not their state: each brings the servers to its own starting point first.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as http from "http";
import { execFile } from "child_process";
import { promisify } from "util";
import { parseHeap } from "../../components/zookeeper/quantities";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { withClient, ZkClient, ZkTimeout } from "../../zk/zk-client";

const SERVER_WAIT = 60000;
const run = promisify(execFile);

/** A bounded HTTP GET on loopback. */
function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url}`)));
    req.on("error", reject);
  });
}

/**
 * An ensemble for the current describe block: made before its first case, its log tails printed
 * after a failed case, and every server killed (by PID) and every file removed after its last.
 */
function useLocalEnsemble(
  replicas: number,
  addressBase: number,
  options?: { adminOnPodLoopback?: boolean; readOnlyRoot?: boolean },
): () => LocalEnsemble {
  let zk: LocalEnsemble;
  before(() => {
    zk = new LocalEnsemble({ replicas }, addressBase, options);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(zk.logTails());
  });
  after(async () => {
    await zk?.destroy();
  });
  return () => zk;
}

async function exactlyOneLeader(zk: LocalEnsemble, ordinals?: number[]): Promise<number> {
  let leaders: number[] = [];
  await zk.waitFor("exactly one leader", async () => (leaders = await zk.leaders(ordinals)).length === 1, SERVER_WAIT);
  return leaders[0];
}

describe("the rendered configuration on real ZooKeeper servers", function () {
  this.timeout(180000);

  describe("a three-server ensemble, each server with a read-only root filesystem as in its pod", () => {
    const ensemble = useLocalEnsemble(3, 10, { readOnlyRoot: true });
    let zk: LocalEnsemble;
    beforeEach(() => {
      zk = ensemble();
    });

    it("writes myid from the pod ordinal", async () => {
      await zk.runOnly([0]);
      await zk.waitFor("zk-0 to write myid", async () => fs.existsSync(path.join(zk.servers[0].dataDir, "myid")), 10000);
      expect(fs.readFileSync(path.join(zk.servers[0].dataDir, "myid"), "utf8").trim()).to.equal("1");
    });

    it("a lone server is live but not ready: readiness waits for a quorum", async () => {
      await zk.runOnly([0]);
      await zk.waitFor("zk-0 to answer ruok", async () => (await zk.probe(0, "live")).ok, SERVER_WAIT);
      const ready = await zk.probe(0, "ready");
      expect(ready.ok).to.equal(false);
      expect(ready.output).to.contain("not ready");
    });

    it("forms a quorum with exactly one leader once its peers start; every probe passes", async () => {
      await zk.runOnly([0]);
      await zk.waitFor("zk-0 to answer ruok", async () => (await zk.probe(0, "live")).ok, SERVER_WAIT);
      zk.start([1, 2]);
      await zk.waitReady();
      await exactlyOneLeader(zk);
      const modes = await Promise.all([0, 1, 2].map((i) => zk.mode(i)));
      expect(modes.filter((m) => m === "follower")).to.have.length(2);
      for (const i of [0, 1, 2]) expect((await zk.probe(i, "live")).ok, `live ${i}`).to.equal(true);
      for (const i of [1, 2]) {
        expect(fs.readFileSync(path.join(zk.servers[i].dataDir, "myid"), "utf8").trim()).to.equal(String(i + 1));
      }
    });

    it("each server runs, and serves, with its root filesystem read-only (the pod's readOnlyRootFilesystem)", async () => {
      await zk.allServing();
      for (const server of zk.servers) {
        const mounts = fs.readFileSync(`/proc/${server.process!.pid}/mounts`, "utf8").split("\n");
        const root = mounts.find((m) => m.split(" ")[1] === "/");
        expect(root?.split(" ")[3].split(","), `${server.hostname}'s root`).to.include("ro");
      }
      await withClient(zk.connect(), (c) => c.create("/read-only-root", "served"));
    });

    it("the JVM runs with the configured heap over the launcher's own and G1, exits on OutOfMemoryError and dumps no heap", async () => {
      await zk.allServing();
      // The exec chain (start script, zkServer.sh, java) keeps one PID, as in a container.
      const pid = zk.servers[0].process!.pid!;
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      expect(cmdline[0]).to.match(/java$/);
      const heaps = cmdline.filter((a) => a.startsWith("-Xmx"));
      expect(heaps, "the launcher's -Xmx comes first, as in the image").to.deep.equal(["-Xmx1000m", `-Xmx${zk.settings.heap}`]);
      // jcmd attaches through /tmp: the server's own (a tmpfs in its mount namespace, as in its pod).
      const { stdout } = await run("nsenter", ["--mount", `--target=${pid}`, "jcmd", String(pid), "VM.flags"], { timeout: 20000 });
      expect(stdout).to.contain(`-XX:MaxHeapSize=${parseHeap(zk.settings.heap)}`);
      expect(stdout).to.contain("-XX:+ExitOnOutOfMemoryError");
      expect(stdout).to.contain("-XX:-HeapDumpOnOutOfMemoryError");
      expect(stdout).to.contain("-XX:+UseG1GC");
    });

    it("answers the tutorial's four-letter words, and only the whitelisted ones", async () => {
      await zk.allServing();
      await exactlyOneLeader(zk);
      expect(await zk.fourLetterWord(0, "ruok")).to.equal("imok");
      expect(await zk.fourLetterWord(0, "srvr")).to.match(/^Mode: (leader|follower)$/m);
      expect(await zk.fourLetterWord(0, "stat")).to.match(/^Mode: (leader|follower)$/m);
      expect(await zk.fourLetterWord(0, "mntr")).to.match(/^zk_server_state\t(leader|follower)$/m);
      const conf = await zk.fourLetterWord(0, "conf");
      expect(conf).to.contain("clientPort=2181");
      expect(conf).to.contain(`dataDir=${zk.servers[0].dataDir}`);
      expect(await zk.fourLetterWord(0, "envi")).to.contain("is not executed because it is not in the whitelist");
    });

    it("the tutorial's sanity test: /hello written through server 1 reads back through 2 and 3", async () => {
      await zk.allServing();
      await withClient(zk.connect([0]), (c) => c.create("/hello", "world"));
      for (const i of [1, 2]) {
        expect(await withClient(zk.connect([i]), (c) => c.get("/hello")), `server ${i + 1}`).to.equal("world");
      }
    });

    it("process failure: a killed leader is replaced, writes go on, and it rejoins when restarted", async () => {
      await zk.allServing();
      const leader = await exactlyOneLeader(zk);
      await zk.stop([leader], "SIGKILL");
      const others = [0, 1, 2].filter((i) => i !== leader);
      const newLeader = await exactlyOneLeader(zk, others);
      expect(others).to.include(newLeader);
      await withClient(zk.connect(others), (c) => c.create("/after-failover", "ok"));
      zk.start([leader]);
      await zk.waitReady([leader]);
      expect(await zk.mode(leader)).to.equal("follower");
      expect(await withClient(zk.connect([leader]), (c) => c.get("/after-failover"))).to.equal("ok");
    });

    it("quorum loss: with 2 of 3 servers down no write succeeds; after they return, writes succeed", async () => {
      await zk.allServing();
      const [survivor, ...gone] = [0, 1, 2];
      await zk.stop(gone);
      await zk.waitFor("the survivor to stop serving", async () => !(await zk.probe(survivor, "ready")).ok, 30000);
      let refused = false;
      try {
        // The server refuses sessions without a quorum; a timeout means "not applied so far", and
        // may still be applied later, so the path is not reused below.
        const c = await ZkClient.connect(zk.connect([survivor]), 5000);
        try {
          await c.create("/during-outage", "x", 5000);
        } finally {
          c.close();
        }
      } catch (e) {
        expect(e).to.be.instanceOf(ZkTimeout);
        refused = true;
      }
      expect(refused, "a write succeeded without a quorum").to.equal(true);
      expect((await zk.probe(survivor, "live")).ok, "the survivor stays live (no restart loop)").to.equal(true);

      zk.start(gone);
      await zk.waitReady();
      await withClient(zk.connect([survivor]), (c) => c.create("/after-outage", "ok"));
      expect(await withClient(zk.connect([gone[1]]), (c) => c.get("/after-outage"))).to.equal("ok");
    });

    it("rolling update: a zoo.cfg change rolled one server at a time keeps the quorum and the data", async () => {
      await zk.allServing();
      await withClient(zk.connect([0]), (c) => c.create("/before-roll", "kept"));
      const tunables = { ...zk.settings.zookeeper, syncLimit: 3 };
      // As the StatefulSet controller rolls: highest ordinal first, the next only once this one is Ready.
      for (const i of [2, 1, 0]) {
        await zk.stop([i]);
        zk.writeZooCfg(i, tunables);
        zk.start([i]);
        await zk.waitReady([i]);
        await withClient(zk.connect([(i + 1) % 3]), (c) => c.create(`/rolled-${i}`, "ok"));
      }
      await zk.waitReady();
      await exactlyOneLeader(zk);
      for (const i of [0, 1, 2]) expect(await zk.fourLetterWord(i, "conf"), `server ${i + 1}`).to.match(/^syncLimit=3$/m);
      expect(await withClient(zk.connect([0]), (c) => c.get("/before-roll"))).to.equal("kept");
      // The rendered default again, for whichever case runs next; it takes effect at the next start.
      for (const i of [0, 1, 2]) zk.writeZooCfg(i, zk.settings.zookeeper);
    });

    it("durability: after every server stops and all start again at once, every znode is there", async () => {
      await zk.allServing();
      await withClient(zk.connect(), async (c) => {
        for (let k = 0; k < 20; k++) await c.create(`/durable-${k}`, `value-${k}`);
      });
      await zk.stop();
      zk.start();
      await zk.waitReady();
      await exactlyOneLeader(zk);
      await withClient(zk.connect([2]), async (c) => {
        for (let k = 0; k < 20; k++) expect(await c.get(`/durable-${k}`)).to.equal(`value-${k}`);
      });
    });
  });

  describe("a single server (replicas 1), with the AdminServer where a pod has it", () => {
    const ensemble = useLocalEnsemble(1, 20, { adminOnPodLoopback: true });
    let zk: LocalEnsemble;
    beforeEach(() => {
      zk = ensemble();
    });

    it("runs standalone, is ready at once and serves", async () => {
      await zk.allServing();
      expect(await zk.mode(0)).to.equal("standalone");
      await withClient(zk.connect(), (c) => c.create("/solo", "yes"));
      expect(await withClient(zk.connect(), (c) => c.get("/solo"))).to.equal("yes");
    });

    it("the AdminServer answers on the pod's loopback only, not on the server's own address", async () => {
      await zk.allServing();
      const local = await httpGet("http://127.0.0.1:8080/commands/ruok");
      expect(local.status).to.equal(200);
      expect(JSON.parse(local.body).command).to.equal("ruok");
      const other = await httpGet(`http://${zk.servers[0].address}:8080/commands/ruok`).catch((e: NodeJS.ErrnoException) => e.code);
      expect(other).to.equal("ECONNREFUSED");
    });
  });

  describe("a five-server ensemble", () => {
    const ensemble = useLocalEnsemble(5, 30);
    let zk: LocalEnsemble;
    beforeEach(() => {
      zk = ensemble();
    });

    it("forms with one leader and four followers, and replicates", async () => {
      await zk.allServing();
      await exactlyOneLeader(zk);
      const modes = await Promise.all([0, 1, 2, 3, 4].map((i) => zk.mode(i)));
      expect(modes.filter((m) => m === "follower")).to.have.length(4);
      await withClient(zk.connect([0]), (c) => c.create("/five", "5"));
      expect(await withClient(zk.connect([4]), (c) => c.get("/five"))).to.equal("5");
    });

    it("keeps serving with two servers down (it tolerates two failures)", async () => {
      await zk.allServing();
      await zk.stop([3, 4], "SIGKILL");
      await zk.waitReady([0, 1, 2]);
      await withClient(zk.connect([0, 1, 2]), (c) => c.create("/five-degraded", "ok"));
    });
  });
});
