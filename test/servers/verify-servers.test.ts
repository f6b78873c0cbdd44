// `npm run verify -- --servers` as a user runs it (a subprocess) against real ZooKeeper servers
// (the fetched release, 3.9.5 by default, from the project's rendered configuration, on 127.0.0.140-142): healthy, one
// server hung, one down, the quorum lost, one follower or the leader alone given. Then the --stack
// checks over the same servers, each pod reached through its own port-forward of a stand-in API
// server. Last, an ensemble on 127.0.0.210-212 without a 4lw.commands.whitelist line, which allows
// only srvr.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { execFile } from "child_process";
import { verify } from "../../harness/run-verify";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { healthyCluster, portForwardKubeconfig, startPortForwardStandIn } from "../../harness/port-forward";
import { BOUNDS } from "../../zk/verify/bounds";
import { stackTarget } from "../../ops/lib/verify/stack-target";
import { verifyTarget } from "../../ops/lib/verify/stack-mode";
import { loadKubeconfig } from "../../ops/lib/verify/kube-reader";
import { openTunnel } from "../../ops/lib/verify/tunnel";
import { formatReport } from "../../ops/lib/verify/table";

const SERVER_WAIT = 60000;

/** The table's rows as [check, server, result, detail]. */
function rows(stdout: string): string[][] {
  const lines = stdout.split("\n");
  const end = lines.indexOf("");
  return lines.slice(1, end).map((l) => {
    const m = /^(\S+)\s+(\S+)\s+(ok|WARN|FAIL)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`not a table row: ${l}`);
    return m.slice(1);
  });
}

function row(stdout: string, check: string, server = "-"): { result: string; detail: string } {
  const found = rows(stdout).find((r) => r[0] === check && r[1] === server);
  if (!found) throw new Error(`no row ${check} ${server} in:\n${stdout}`);
  return { result: found[2], detail: found[3] };
}

/** A command line as a row's `next` gives it, run by sh. */
function shell(command: string): Promise<{ code: number; stdout: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile("sh", ["-c", command], { timeout: 15000 }, (err, stdout) =>
      resolve({ code: err ? Number((err as any).code) : 0, stdout, ms: Date.now() - started }),
    );
  });
}

describe("npm run verify -- --servers against real ZooKeeper servers", function () {
  this.timeout(180000);
  let zk: LocalEnsemble;
  let servers: string;
  const label = (i: number) => `${zk.servers[i].address}:2181`;

  before(() => {
    zk = new LocalEnsemble({ replicas: 3 }, 140);
    servers = zk.connect();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(zk.logTails());
  });
  after(async () => {
    await zk?.destroy();
  });

  async function leaderOf(ordinals: number[]): Promise<number> {
    let leaders: number[] = [];
    await zk.waitFor("exactly one leader", async () => (leaders = await zk.leaders(ordinals)).length === 1, SERVER_WAIT);
    return leaders[0];
  }

  it("a healthy ensemble: exit 0, every row ok, the leader named, the znode read back on the two other servers with each read's time", async () => {
    await zk.allServing();
    const leader = await leaderOf([0, 1, 2]);
    const run = await verify(["--servers", servers]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(rows(run.stdout).filter((r) => r[2] !== "ok")).to.deep.equal([]);
    for (const i of [0, 1, 2]) expect(row(run.stdout, "ruok", label(i)).detail).to.equal("imok");
    expect(row(run.stdout, "leader").detail).to.match(new RegExp(`^${label(leader).replace(/\./g, "\\.")} leads`));
    const reads = rows(run.stdout).filter((r) => r[0] === "read");
    expect(reads).to.have.length(2);
    for (const r of reads) expect(r[3]).to.match(/^saw it \d+ ms after the write$/);
    expect(row(run.stdout, "followers", label(leader)).detail).to.equal("2 of 2 followers synced by the leader's mntr");
    expect(run.stdout).to.match(/^leader \S+: \d+ znodes, \d+ outstanding requests, latency avg [\d.]+ ms, max \d+ ms \(mntr\)$/m);
    expect(row(run.stdout, "members").detail).to.contain(`each given: server.1 ${label(0)}, server.2 ${label(1)}, server.3 ${label(2)}`);
    expect(run.stdout).to.match(/^verdict: healthy \(exit 0\): 3 of 3 servers serve/m);
  });

  it("one follower given: healthy, exit 0, judged on that server; the two members its conf lists beside it (the leader among them) are named as not given and not checked, with the command that checks all three", async () => {
    await zk.allServing();
    const leader = await leaderOf([0, 1, 2]);
    const follower = [0, 1, 2].find((i) => i !== leader)!;
    const others = [0, 1, 2].filter((i) => i !== follower);
    const run = await verify(["--servers", label(follower)]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(row(run.stdout, "srvr", label(follower)).detail).to.match(/^follower, /);
    expect(row(run.stdout, "write", label(follower)).result).to.equal("ok");
    expect(row(run.stdout, "leader")).to.deep.equal({
      result: "WARN",
      detail: `not checked: the leader is not among the servers given (serving under it: ${label(follower)})`,
    });
    const members = row(run.stdout, "members");
    expect(members.result).to.equal("WARN");
    expect(members.detail).to.contain(
      `not given, so not checked: ${others.map((i) => `server.${i + 1} (${zk.servers[i].fqdn})`).join(", ")}; ` +
        `next: npm run verify -- --servers ${label(follower)},${others.map((i) => `${zk.servers[i].fqdn}:2181`).join(",")}`,
    );
    expect(run.stdout).to.contain(
      `\nverdict: healthy (exit 0): the server given serves, the leader not given, a write through ${label(follower)} succeeded; ` +
        `not checked: ${others.map((i) => `server.${i + 1}`).join(", ")}: not given (the leader is one of them)\n`,
    );
  });

  it("the leader given alone: healthy, exit 0; its mntr counts both followers synced, and the members not given are named", async () => {
    await zk.allServing();
    const leader = await leaderOf([0, 1, 2]);
    const others = [0, 1, 2].filter((i) => i !== leader);
    const run = await verify(["--servers", label(leader)]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(row(run.stdout, "leader").detail).to.equal(`${label(leader)} leads; no follower given`);
    expect(row(run.stdout, "followers", label(leader))).to.deep.equal({
      result: "ok",
      detail: "2 of 2 followers synced by the leader's mntr",
    });
    expect(row(run.stdout, "members").detail).to.contain(
      `not given, so not checked: ${others.map((i) => `server.${i + 1} (${zk.servers[i].fqdn})`).join(", ")}`,
    );
    expect(run.stdout).to.match(
      new RegExp(
        `^verdict: healthy \\(exit 0\\): the server given serves, leader ${label(leader).replace(/\./g, "\\.")}, .*; not checked: server\\.${others[0] + 1}, server\\.${others[1] + 1}: not given$`,
        "m",
      ),
    );
  });

  it("a follower that hangs (SIGSTOP: it accepts connections and never answers): degraded, exit 3, within the four-letter bound; its row's next command (node, no nc) gives up on it within seconds, and shows it following once it runs again", async () => {
    await zk.allServing();
    const leader = await leaderOf([0, 1, 2]);
    const hung = [0, 1, 2].find((i) => i !== leader)!;
    zk.servers[hung].process!.kill("SIGSTOP");
    let next: string;
    try {
      const run = await verify(["--servers", servers]);
      expect(run.code, run.stdout + run.stderr).to.equal(3);
      const ruok = row(run.stdout, "ruok", label(hung));
      expect(ruok.result).to.equal("FAIL");
      let detail: string;
      [detail, next] = ruok.detail.split("; next: ");
      expect(detail).to.equal(`no answer: accepted the connection but did not answer 'ruok' within ${BOUNDS.fourLetterMs} ms`);
      expect(row(run.stdout, "write", label(3 - leader - hung)).result).to.equal("ok");
      expect(run.stdout).to.match(/^verdict: degraded \(exit 3\): the quorum holds and writes work, but /m);
      expect(run.ms).to.be.below(BOUNDS.fourLetterMs + 10000);
      // The next command runs where verify runs (node, no nc), and gives up on the hung server.
      const hungAsk = await shell(next);
      expect(hungAsk).to.deep.include({ code: 0, stdout: "" });
      expect(hungAsk.ms).to.be.below(6000);
    } finally {
      zk.servers[hung].process!.kill("SIGCONT");
    }
    // ...and shows the server's mode once it runs again.
    await zk.waitFor("the next command to show the server following again", async () =>
      /^Mode: follower$/m.test((await shell(next)).stdout),
    );
  });

  it("the leader down (killed): degraded, exit 3: the new leader is named, writes work, the leader counts 1 of 2 followers synced", async () => {
    await zk.allServing();
    const old = await leaderOf([0, 1, 2]);
    await zk.stop([old], "SIGKILL");
    const others = [0, 1, 2].filter((i) => i !== old);
    const leader = await leaderOf(others);
    const run = await verify(["--servers", servers]);
    expect(run.code, run.stdout + run.stderr).to.equal(3);
    expect(row(run.stdout, "srvr", label(old)).detail).to.contain("no answer: connection refused: nothing listens there");
    expect(row(run.stdout, "quorum")).to.deep.equal({
      result: "WARN",
      detail: "2 of 3 servers serve: the quorum (2) holds, and 0 more may fail",
    });
    expect(row(run.stdout, "leader").detail).to.match(new RegExp(`^${label(leader).replace(/\./g, "\\.")} leads`));
    expect(row(run.stdout, "followers", label(leader)).detail).to.match(/^1 of 2 followers synced/);
    expect(rows(run.stdout).find((r) => r[0] === "write")?.[2]).to.equal("ok");
    expect(run.stdout).to.match(/^verdict: degraded \(exit 3\)/m);
  });

  it("the quorum lost (2 of 3 servers down): unhealthy, exit 1: the survivor does not serve, no leader, nothing to write through", async () => {
    await zk.allServing();
    const [survivor, ...gone] = [0, 1, 2];
    await zk.stop(gone);
    await zk.waitFor("the survivor to stop serving", async () => (await zk.mode(survivor)) === undefined, 30000);
    const run = await verify(["--servers", servers]);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(row(run.stdout, "ruok", label(survivor)).result).to.equal("ok");
    expect(row(run.stdout, "srvr", label(survivor)).detail).to.contain(
      "does not serve: This ZooKeeper instance is not currently serving requests",
    );
    expect(row(run.stdout, "leader").result).to.equal("FAIL");
    expect(row(run.stdout, "write").detail).to.contain("no server serves: nothing to write through");
    expect(run.stdout).to.match(/^verdict: unhealthy \(exit 1\): no quorum: 0 of 3 servers serve, a quorum needs 2$/m);
  });

  it("--stack's checks reach each pod through its own port-forward (@kubernetes/client-node's PortForward against a stand-in of the kubelet's WebSocket framing), beside the pod, volume, node and PDB rows; a server down in its pod shows the kubelet's forwarding error", async () => {
    await zk.allServing();
    const api = await startPortForwardStandIn((pod) => zk.servers[Number(pod.split("-")[1])].address);
    try {
      const kubeconfig = portForwardKubeconfig(api.url);
      const t = stackTarget("dev", {
        namespace: "zookeeper",
        serverFqdns: zk.servers.map((s) => s.fqdn),
        storageClassName: "zookeeper-data",
        kubeconfig,
      });
      const kc = await loadKubeconfig(t);
      // The objects as the API would list them; reading them for real is the e2e suite's to prove.
      const cluster = healthyCluster(3, (name: string) => openTunnel(kc, t.namespace, name, 2181));
      const report = await verifyTarget(t, cluster, BOUNDS);
      const text = formatReport(report);
      expect(report.verdict.exitCode, text).to.equal(0);
      expect([...new Set(api.forwarded)].sort()).to.deep.equal(["zookeeper/zk-0:2181", "zookeeper/zk-1:2181", "zookeeper/zk-2:2181"]);
      const checks = (server: string) => report.rows.filter((r) => r.server === server).map((r) => r.check);
      expect(checks("zk-1")).to.include.members(["pod", "restarts", "volume", "ruok", "srvr"]);
      expect(report.rows.filter((r) => r.check === "read").map((r) => r.detail)).to.have.length(2);
      expect(report.rows.find((r) => r.check === "pdb")?.detail).to.equal(
        "zk-pdb (maxUnavailable 1) allows 1 disruption(s); 3 of 3 servers serve, a quorum needs 2: the quorum can spare 1",
      );

      // A server down in its running pod: the kubelet's error reaches the row.
      const leader = (await zk.leaders())[0];
      const down = [0, 1, 2].find((i) => i !== leader)!;
      await zk.stop([down]);
      const degraded = await verifyTarget(t, cluster, BOUNDS);
      expect(degraded.verdict.exitCode, formatReport(degraded)).to.equal(3);
      expect(degraded.rows.find((r) => r.check === "ruok" && r.server === `zk-${down}`)?.detail).to.contain(
        `closed the connection without an answer (port-forward to zk-${down}: error forwarding port 2181 to pod zk-${down}`,
      );
    } finally {
      await api.close();
    }
  });
});

describe("npm run verify -- --servers against an ensemble that allows only srvr (ZooKeeper's default whitelist)", function () {
  this.timeout(180000);
  let zk: LocalEnsemble;
  const label = (i: number) => `${zk.servers[i].address}:2181`;
  const NOT_CHECKED = "imok (ruok), the members (conf), the leader's synced followers (mntr): not in 4lw.commands.whitelist";

  before(async () => {
    zk = new LocalEnsemble({ replicas: 3 }, 210);
    // Without a 4lw.commands.whitelist line ZooKeeper allows srvr alone (apache/zookeeper
    // release-3.8.0-1, command/FourLetterCommands.java isEnabled).
    for (const server of zk.servers) {
      const file = path.join(server.confDir, "zoo.cfg");
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^4lw\.commands\.whitelist=.*\n/m, ""));
    }
    await zk.allServing();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(zk.logTails());
  });
  after(async () => {
    await zk?.destroy();
  });

  async function leader(): Promise<number> {
    let leaders: number[] = [];
    await zk.waitFor("exactly one leader", async () => (leaders = await zk.leaders()).length === 1, SERVER_WAIT);
    return leaders[0];
  }

  it("every server given: healthy, exit 0; the checks that need ruok, conf and mntr are named as not checked, with no Kubernetes advice and no nc", async () => {
    expect(await zk.fourLetterWord(0, "mntr")).to.equal("mntr is not executed because it is not in the whitelist.\n");
    const l = await leader();
    const run = await verify(["--servers", zk.connect()]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    for (const i of [0, 1, 2]) {
      expect(row(run.stdout, "ruok", label(i))).to.deep.equal({
        result: "WARN",
        detail: "not checked: ruok is not in this server's 4lw.commands.whitelist (srvr below tells whether it serves)",
      });
    }
    expect(row(run.stdout, "followers", label(l))).to.deep.equal({
      result: "WARN",
      detail: "not checked: mntr is not in the leader's 4lw.commands.whitelist, so its synced followers are not counted",
    });
    expect(row(run.stdout, "members")).to.deep.equal({
      result: "WARN",
      detail: "not checked: whether every member was given (unknown without conf or the leader's mntr)",
    });
    expect(rows(run.stdout).filter((r) => r[2] === "FAIL")).to.deep.equal([]);
    expect(run.stdout).to.not.match(/liveness|probe|kubectl|Kubernetes|\bnc\b|\(mntr\)$/m);
    expect(run.stdout).to.match(
      new RegExp(`^verdict: healthy \\(exit 0\\): 3 of 3 servers serve, .*; not checked: ${NOT_CHECKED.replace(/[()]/g, "\\$&")}$`, "m"),
    );
  });

  it("one follower given: healthy, exit 0; the leader is named as not given (conf refused, the other members unknown), never as missing", async () => {
    const l = await leader();
    const follower = [0, 1, 2].find((i) => i !== l)!;
    const run = await verify(["--servers", label(follower)]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(row(run.stdout, "leader")).to.deep.equal({
      result: "WARN",
      detail: `not checked: the leader is not among the servers given (serving under it: ${label(follower)})`,
    });
    expect(run.stdout).to.contain(
      `\nverdict: healthy (exit 0): the server given serves, the leader not given, a write through ${label(follower)} succeeded; ` +
        "not checked: the leader: not given (the other members are unknown without conf); imok (ruok), the members (conf): not in 4lw.commands.whitelist\n",
    );
  });
});
