// verify's pure parts: reading ZooKeeper's answers, judging rows into a verdict and exit code,
// the table, the command line, the stack's outputs, and the Kubernetes objects' edge cases (plain
// objects shaped as @kubernetes/client-node returns them; the real API is the e2e suite's to prove).
import { expect } from "chai";
import type { V1Pod, V1PersistentVolumeClaim, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { parseMntr, parseSrvr, learnerCounts } from "../../zk/verify/zk-answers";
import { judgeVerdict } from "../../zk/verify/verdict";
import { formatReport, formatTable } from "../../ops/lib/verify/table";
import { stackTarget, StackTarget } from "../../ops/lib/verify/stack-target";
import { EnsembleObjects, judgeClaims, judgeDisruptionBudget, judgeNodes, judgePods } from "../../ops/lib/verify/judge-kube";
import { judgeEpochs, judgeFollowers, leaderFigures } from "../../zk/verify/judge-sync";
import { Endpoint, fourLetterByHand } from "../../zk/verify/endpoint";
import { CouldNotCheck, EnsembleSummary, Row } from "../../zk/verify/types";
import { parseConf, refusedWord } from "../../zk/verify/zk-answers";
import { ServerAnswers, judgeRuok } from "../../zk/verify/judge-zookeeper";
import { judgeCoverage } from "../../zk/verify/judge-members";

// Answers as ZooKeeper 3.8.0 gave them on the loopback ensemble.
const SRVR_LEADER = [
  "Zookeeper version: 3.8.0-${mvngit.commit.id}, built on 2024-12-29 17:54 UTC",
  "Latency min/avg/max: 0/0.0/0",
  "Received: 2",
  "Sent: 1",
  "Connections: 1",
  "Outstanding: 0",
  "Zxid: 0x200000003",
  "Mode: leader",
  "Node count: 5",
  "Proposal sizes last/min/max: -1/-1/-1",
  "",
].join("\n");
const NOT_SERVING = "This ZooKeeper instance is not currently serving requests\n";
const srvrAs = (mode: string) => SRVR_LEADER.replace("Mode: leader", `Mode: ${mode}`);
const CONF_SERVER_1 = [
  "clientPort=2181",
  "secureClientPort=-1",
  "dataDir=/tmp/kz-ensemble-kaXg8G/zk-0/data/version-2",
  "dataDirSize=0",
  "tickTime=1000",
  "maxClientCnxns=60",
  "clientPortListenBacklog=-1",
  "serverId=1",
  "initLimit=20",
  "syncLimit=2",
  "electionAlg=3",
  "electionPort=3888",
  "quorumPort=2888",
  "peerType=0",
  "membership: ",
  "server.1=zk-0.zk-hs.zookeeper.svc.cluster.local:2888:3888:participant",
  "server.2=zk-1.zk-hs.zookeeper.svc.cluster.local:2888:3888:participant",
  "server.3=zk-2.zk-hs.zookeeper.svc.cluster.local:2888:3888:participant",
  "version=0",
  "",
].join("\n");
/** What a server whose 4lw.commands.whitelist lacks the word answers (3.8.0, as the loopback servers gave it). */
const refusal = (word: string) => ({ text: `${word} is not executed because it is not in the whitelist.\n` });

const OUTPUTS = {
  namespace: "zookeeper",
  serverFqdns: [0, 1, 2].map((i) => `zk-${i}.zk-hs.zookeeper.svc.cluster.local`),
  clientEndpoint: "zk-cs.zookeeper.svc.cluster.local:2181",
  connectionString: "unused",
  storageClassName: "zookeeper-data",
  kubeContext: "kind-kind-zookeeper-dev",
  kubeconfig: "apiVersion: v1\nkind: Config\n",
};

function summary(over: Partial<EnsembleSummary> = {}): EnsembleSummary {
  return {
    servers: 3,
    quorum: 2,
    serving: ["a", "b", "c"],
    leaders: ["c"],
    writeOk: true,
    writeDetail: "a write through a succeeded",
    ...over,
  };
}

const ok = (check: string): Row => ({ check, server: "a", result: "ok", detail: "" });

describe("verify: ZooKeeper's answers", () => {
  it("srvr gives the mode, the zxid and its epoch (the zxid's high 32 bits)", () => {
    const s = parseSrvr(SRVR_LEADER);
    expect(s).to.deep.equal({ serving: true, mode: "leader", zxid: 0x200000003n, epoch: 2 });
  });

  it("a server without a quorum does not serve, and says so", () => {
    expect(parseSrvr(NOT_SERVING)).to.deep.equal({ serving: false, why: "This ZooKeeper instance is not currently serving requests" });
  });

  it("mntr's synced followers, learners and voting members are read from its tab-separated lines", () => {
    const mntr = parseMntr("zk_server_state\tleader\nzk_synced_followers\t1\nzk_learners\t2\nzk_quorum_size\t3\nnoise\n");
    expect(learnerCounts(mntr)).to.deep.equal({ learners: 2, synced: 1, votingMembers: 3 });
  });

  it("the leader's figures read alike from the default provider's integers and the Prometheus provider's doubles (metrics on)", () => {
    const leader = { label: "zk-0", host: "h", port: 1 };
    const line = "leader zk-0: 5 znodes, 0 outstanding requests, latency avg 0.5 ms, max 3 ms (mntr)";
    const asked = (values: string[]) => ({
      text:
        ["zk_znode_count", "zk_outstanding_requests", "zk_avg_latency", "zk_max_latency"].map((k, i) => `${k}\t${values[i]}`).join("\n") +
        "\n",
    });
    expect(leaderFigures(leader, asked(["5", "0", "0.5", "3"]))).to.equal(line);
    expect(leaderFigures(leader, asked(["5.0", "0.0", "0.5", "3.0"]))).to.equal(line);
  });

  it("epochs are compared against the leader's: a server in an older epoch fails, naming it", () => {
    const e = (label: string) => ({ label, host: "h", port: 1 });
    const row = judgeEpochs(
      [
        { endpoint: e("zk-0"), srvr: parseSrvr(SRVR_LEADER) },
        { endpoint: e("zk-1"), srvr: parseSrvr(SRVR_LEADER.replace("0x200000003", "0x100000007")) },
      ],
      "zk-0",
      fourLetterByHand,
    );
    expect(row.result).to.equal("FAIL");
    expect(row.detail).to.contain("zk-1 in epoch 1; the leader in epoch 2");
  });
});

describe("verify: conf and refused words", () => {
  it("a refused word is recognised by ZooKeeper's answer, and named; any other answer is not a refusal", () => {
    expect(refusedWord(refusal("mntr").text)).to.equal("mntr");
    expect(refusedWord("imok")).to.equal(undefined);
    expect(refusedWord(NOT_SERVING)).to.equal(undefined);
  });

  it("conf gives the server's own id, its client port and the members with their roles", () => {
    const c = parseConf(CONF_SERVER_1);
    expect(c).to.include({ serverId: 1, clientPort: 2181, version: 0n });
    expect(c.members!.map((m) => [m.id, m.addresses[0].host, m.role])).to.deep.equal([
      [1, "zk-0.zk-hs.zookeeper.svc.cluster.local", "participant"],
      [2, "zk-1.zk-hs.zookeeper.svc.cluster.local", "participant"],
      [3, "zk-2.zk-hs.zookeeper.svc.cluster.local", "participant"],
    ]);
    // A standalone server's conf ends before any membership.
    expect(parseConf(CONF_SERVER_1.slice(0, CONF_SERVER_1.indexOf("initLimit")))).to.deep.equal({ serverId: 1, clientPort: 2181 });
  });
});

describe("verify --servers: a part of the ensemble, and servers that refuse words", () => {
  const endpoint = (i: number): Endpoint => ({ label: `10.0.0.${i}:2181`, host: `10.0.0.${i}`, port: 2181 });
  const server = (i: number, mode: string | undefined, conf: ServerAnswers["conf"]): ServerAnswers => ({
    endpoint: endpoint(i),
    ruok: { text: "imok" },
    srvr: mode ? { text: srvrAs(mode) } : { error: "refused", message: "connection refused: nothing listens there" },
    conf,
  });
  const mntr = (text: string) => ({ text });

  it("one follower given: the two members its conf lists beside it are named as not given, the leader among them, with the verify command that checks all three", () => {
    const { coverage, rows } = judgeCoverage([server(1, "follower", { text: CONF_SERVER_1 })], undefined);
    expect(coverage).to.include({ partial: true, leaderElsewhere: true, voting: 3 });
    expect(coverage.notGiven.map((m) => m.id)).to.deep.equal([2, 3]);
    expect(coverage.notChecked).to.deep.equal(["server.2, server.3: not given (the leader is one of them)"]);
    expect(rows).to.deep.equal([
      {
        check: "members",
        server: "-",
        result: "WARN",
        detail:
          "10.0.0.1:2181's conf lists 3 member(s); not given, so not checked: server.2 (zk-1.zk-hs.zookeeper.svc.cluster.local), server.3 (zk-2.zk-hs.zookeeper.svc.cluster.local)",
        next: "npm run verify -- --servers 10.0.0.1:2181,zk-1.zk-hs.zookeeper.svc.cluster.local:2181,zk-2.zk-hs.zookeeper.svc.cluster.local:2181",
        notChecked: true,
      },
    ]);
  });

  it("every member given, one of them down (no conf from it): the list is whole, and the leader's absence is not excused", () => {
    const conf2 = { text: CONF_SERVER_1.replace("serverId=1", "serverId=2") };
    const { coverage, rows } = judgeCoverage(
      [server(1, "follower", { text: CONF_SERVER_1 }), server(2, "follower", conf2), server(3, undefined, undefined)],
      undefined,
    );
    expect(coverage).to.include({ partial: false, leaderElsewhere: false });
    expect(rows[0]).to.include({ result: "ok" });
    expect(rows[0].detail).to.contain("server.3 ?; 10.0.0.3:2181 did not answer conf");
  });

  it("conf refused: a follower given with no leader shows the leader was not given; the leader alone, with its mntr, shows how many voting members were not", () => {
    const elsewhere = judgeCoverage([server(1, "follower", refusal("conf"))], undefined);
    expect(elsewhere.coverage).to.include({ partial: true, leaderElsewhere: true });
    expect(elsewhere.rows[0]).to.deep.include({ result: "WARN", notChecked: true });
    expect(elsewhere.rows[0].detail).to.equal("not checked: the leader was not given; the other members are unknown without conf");

    const alone = judgeCoverage([server(3, "leader", refusal("conf"))], mntr("zk_quorum_size\t3\nzk_synced_followers\t2\n"));
    expect(alone.coverage).to.include({ partial: true, leaderElsewhere: false, voting: 3 });
    expect(alone.coverage.notChecked).to.deep.equal(["2 voting member(s): not given"]);

    const blind = judgeCoverage([server(3, "leader", refusal("conf"))], refusal("mntr"));
    expect(blind.coverage).to.include({ partial: true });
    expect(blind.rows[0].detail).to.equal(
      "not checked: no follower of the leader was given; how many it has is unknown without conf or the leader's mntr",
    );
  });

  it("ruok refused: a warning that names the whitelist and sends to no liveness probe with --servers; still a failure for a stack, whose zoo.cfg allows it", () => {
    const a = { ...server(1, "follower", undefined), ruok: refusal("ruok") };
    const row = judgeRuok(a, fourLetterByHand, "servers");
    expect(row).to.deep.equal({
      check: "ruok",
      server: "10.0.0.1:2181",
      result: "WARN",
      detail: "not checked: ruok is not in this server's 4lw.commands.whitelist (srvr below tells whether it serves)",
      notChecked: true,
    });
    expect(judgeRuok(a, fourLetterByHand, "stack")).to.include({ result: "FAIL" });
  });

  it("mntr refused by the leader: its followers are not counted (a warning), not 'is this server the leader?'", () => {
    expect(judgeFollowers(endpoint(3), refusal("mntr"), 3, "servers", fourLetterByHand)).to.deep.equal({
      check: "followers",
      server: "10.0.0.3:2181",
      result: "WARN",
      detail: "not checked: mntr is not in the leader's 4lw.commands.whitelist, so its synced followers are not counted",
      notChecked: true,
    });
    expect(judgeFollowers(endpoint(3), refusal("mntr"), 3, "stack", fourLetterByHand).detail).to.contain("the leader refuses mntr");
    expect(judgeFollowers(endpoint(3), mntr("zk_server_state\tfollower\n"), 3, "servers", fourLetterByHand).detail).to.equal(
      "mntr has no zk_synced_followers: is this server the leader?",
    );
  });

  it("the next command to ask a server by hand needs only node (which runs verify), never nc", () => {
    for (const next of [fourLetterByHand.ask(endpoint(1), "conf"), fourLetterByHand.why(endpoint(1))]) {
      expect(next).to.match(/^node -e "/);
      expect(next).to.not.match(/\bnc\b/);
    }
  });
});

describe("verify: the verdict and exit code", () => {
  it("healthy (0) when every check is ok; warnings are counted but keep it healthy", () => {
    expect(judgeVerdict(summary(), [ok("ruok")])).to.include({ status: "healthy", exitCode: 0 });
    const warned = judgeVerdict(summary(), [ok("ruok"), { check: "restarts", server: "zk-1", result: "WARN", detail: "" }]);
    expect(warned).to.include({ status: "healthy", exitCode: 0 });
    expect(warned.reason).to.contain("1 warning(s): restarts zk-1");
  });

  it("degraded (3) when the quorum holds and writes work but a check fails", () => {
    const v = judgeVerdict(summary({ serving: ["a", "b"] }), [ok("ruok"), { check: "srvr", server: "c", result: "FAIL", detail: "" }]);
    expect(v).to.include({ status: "degraded", exitCode: 3 });
    expect(v.reason).to.contain("srvr c");
  });

  it("unhealthy (1) without a quorum, without exactly one leader, or when the write fails", () => {
    expect(judgeVerdict(summary({ serving: ["a"], leaders: [] }), []).reason).to.equal("no quorum: 1 of 3 servers serve, a quorum needs 2");
    expect(judgeVerdict(summary({ leaders: [] }), [])).to.include({ exitCode: 1, reason: "no leader" });
    expect(judgeVerdict(summary({ leaders: ["a", "b"] }), [])).to.include({ exitCode: 1, reason: "2 leaders: a, b" });
    const w = judgeVerdict(summary({ writeOk: false, writeDetail: "a write through a failed: create: no answer within 5000 ms" }), []);
    expect(w).to.include({ status: "unhealthy", exitCode: 1 });
    expect(w.reason).to.contain("writes fail");
  });

  it("a part of the ensemble without its leader: healthy (0), naming what was not checked; a failing check still degrades it, two leaders still make it unhealthy", () => {
    const partial = summary({
      servers: 1,
      quorum: 1,
      serving: ["a"],
      leaders: [],
      partial: { leaderGiven: false },
      notChecked: ["server.2, server.3: not given (the leader is one of them)"],
    });
    const notChecked: Row = { check: "members", server: "-", result: "WARN", detail: "", notChecked: true };
    const v = judgeVerdict(partial, [ok("ruok"), notChecked]);
    expect(v).to.deep.equal({
      status: "healthy",
      exitCode: 0,
      reason:
        "the server given serves, the leader not given, a write through a succeeded; not checked: server.2, server.3: not given (the leader is one of them)",
    });
    const failing = judgeVerdict(partial, [{ check: "ruok", server: "a", result: "FAIL", detail: "" }]);
    expect(failing).to.include({ status: "degraded", exitCode: 3 });
    expect(failing.reason).to.match(/fail: ruok a; not checked: server\.2, server\.3/);
    expect(judgeVerdict({ ...partial, leaders: ["a", "b"] }, [])).to.include({ exitCode: 1, reason: "2 leaders: a, b" });
  });

  it("could not check (2) wins over everything else, with its reason", () => {
    expect(judgeVerdict(summary({ couldNotCheck: "no server answered" }), [])).to.deep.equal({
      status: "could not check",
      exitCode: 2,
      reason: "no server answered",
    });
  });
});

describe("verify: the table", () => {
  it("aligns check, server and result in columns, appends the next command to a failing row's detail, and ends with the verdict", () => {
    const rows: Row[] = [
      { check: "ruok", server: "zk-0", result: "ok", detail: "imok" },
      { check: "followers", server: "zk-1", result: "FAIL", detail: "1 of 2 followers synced", next: "kubectl logs zk-1 -n zookeeper" },
    ];
    expect(formatTable(rows).split("\n")).to.deep.equal([
      "CHECK      SERVER  RESULT  DETAIL",
      "ruok       zk-0    ok      imok",
      "followers  zk-1    FAIL    1 of 2 followers synced; next: kubectl logs zk-1 -n zookeeper",
    ]);
    const text = formatReport({ rows, info: ["leader zk-1: 5 znodes"], verdict: { status: "degraded", exitCode: 3, reason: "r" } });
    expect(text.trimEnd().split("\n").slice(-2)).to.deep.equal(["leader zk-1: 5 znodes", "verdict: degraded (exit 3): r"]);
  });
});

describe("verify: the stack's outputs", () => {
  it("names the pods, StatefulSet, selector and PDB as the program does, with a name prefix too", () => {
    const t = stackTarget("dev", {
      ...OUTPUTS,
      serverFqdns: [0, 1].map((i) => `orders-zk-${i}.orders-zk-hs.zookeeper.svc.cluster.local`),
    });
    expect(t).to.include({
      statefulSet: "orders-zk",
      podSelector: "app=orders-zk",
      disruptionBudget: "orders-zk-pdb",
      kubeContext: "kind-kind-zookeeper-dev",
    });
    expect(t.pods).to.deep.equal(["orders-zk-0", "orders-zk-1"]);
  });

  it("a stack without outputs, a render stack (no kubeconfig) and a stack missing outputs are each refused with what to do", () => {
    expect(() => stackTarget("dev", {})).to.throw(
      CouldNotCheck,
      "stack 'dev' has no outputs: it has not been deployed (pulumi up --stack dev)",
    );
    const { kubeconfig: _k, kubeContext: _c, ...render } = OUTPUTS;
    expect(() => stackTarget("render", render)).to.throw(CouldNotCheck, "has no kubeconfig output: it renders manifests");
    const { storageClassName: _s, ...old } = OUTPUTS;
    expect(() => stackTarget("old", old)).to.throw(CouldNotCheck, "lacks the output(s) verify needs: storageClassName");
  });
});

describe("verify: the Kubernetes objects' edge cases", () => {
  const t: StackTarget = stackTarget("dev", OUTPUTS);
  const hostAntiAffinity = {
    podAntiAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: [
        { labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["zk"] }] }, topologyKey: "kubernetes.io/hostname" },
      ],
    },
  };
  const pod = (name: string, node: string, over: Partial<V1Pod["status"]> = {}): V1Pod => ({
    metadata: { name, labels: { app: "zk" } },
    spec: { nodeName: node, affinity: hostAntiAffinity, containers: [] },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [{ name: "zookeeper", ready: true, restartCount: 0, image: "", imageID: "", state: { running: {} } }],
      ...over,
    },
  });
  const claim = (pod: string, phase = "Bound", storageClassName = "zookeeper-data"): V1PersistentVolumeClaim => ({
    metadata: { name: `datadir-${pod}` },
    spec: { storageClassName, volumeName: `pvc-${pod}` },
    status: { phase, capacity: { storage: "10Gi" } },
  });
  const objects = (pods: V1Pod[], claims = t.pods.map((p) => claim(p))): EnsembleObjects => ({
    pods,
    claims: Object.fromEntries(t.pods.map((p) => [`datadir-${p}`, claims.find((c) => c.metadata?.name === `datadir-${p}`)])),
    claimTemplate: "datadir",
  });
  const healthy = [pod("zk-0", "w1"), pod("zk-1", "w2"), pod("zk-2", "w3")];

  it("a missing pod, a crash-looping pod and restarts each say what is wrong and the kubectl command to run next, in the stack's context", () => {
    const crashing = pod("zk-1", "w2", {
      conditions: [{ type: "Ready", status: "False" }],
      containerStatuses: [
        {
          name: "zookeeper",
          ready: false,
          restartCount: 4,
          image: "",
          imageID: "",
          state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 1m20s restarting failed container" } },
          lastState: { terminated: { exitCode: 3, reason: "Error", finishedAt: new Date("2026-07-01T10:00:00Z") } },
        },
      ],
    });
    const rows = judgePods(t, objects([pod("zk-0", "w1"), crashing]));
    const find = (check: string, server: string) => rows.find((r) => r.check === check && r.server === server)!;
    expect(find("pod", "zk-1")).to.deep.include({
      result: "FAIL",
      next: "kubectl --context kind-kind-zookeeper-dev describe pod zk-1 -n zookeeper",
    });
    expect(find("pod", "zk-1").detail).to.contain("zookeeper waiting: CrashLoopBackOff");
    expect(find("restarts", "zk-1")).to.deep.include({
      result: "WARN",
      detail: "restarted 4 time(s) since it started; last: Error at 2026-07-01T10:00:00.000Z",
      next: "kubectl --context kind-kind-zookeeper-dev logs zk-1 --previous -n zookeeper",
    });
    expect(find("pod", "zk-2")).to.deep.include({ result: "FAIL", detail: "no pod zk-2 in namespace zookeeper" });
    expect(find("pod", "zk-2").next).to.contain("describe statefulset zk");
  });

  it("two servers on one node fail when anti-affinity is required, and only warn when it is preferred", () => {
    const shared = [pod("zk-0", "w1"), pod("zk-1", "w1"), pod("zk-2", "w3")];
    expect(judgeNodes(t, objects(healthy))).to.include({ result: "ok" });
    const required = judgeNodes(t, objects(shared));
    expect(required).to.include({ result: "FAIL" });
    expect(required.detail).to.contain("zk-0 and zk-1 share w1, although anti-affinity is required");
    const preferred = shared.map((p) => ({
      ...p,
      spec: {
        ...p.spec!,
        affinity: {
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname" } }],
          },
        },
      },
    }));
    expect(judgeNodes(t, objects(preferred))).to.include({ result: "WARN" });
  });

  it("a claim that is missing or Pending fails; one on another StorageClass than the stack's warns", () => {
    const rows = judgeClaims(t, objects(healthy, [claim("zk-0"), claim("zk-1", "Pending"), claim("zk-2", "Bound", "standard")]));
    expect(rows.map((r) => r.result)).to.deep.equal(["ok", "FAIL", "WARN"]);
    expect(rows[1].next).to.equal("kubectl --context kind-kind-zookeeper-dev describe pvc datadir-zk-1 -n zookeeper");
    expect(rows[2].detail).to.contain("on StorageClass standard, the stack's is zookeeper-data");
    expect(judgeClaims(t, objects(healthy, [claim("zk-0"), claim("zk-1")]))[2]).to.deep.include({
      result: "FAIL",
      detail: "no volume claim datadir-zk-2",
    });
  });

  it("the PDB may allow no more disruptions than the quorum can spare now", () => {
    const pdb = (allowed: number): V1PodDisruptionBudget => ({
      metadata: { name: "zk-pdb" },
      spec: { maxUnavailable: 1 },
      status: { disruptionsAllowed: allowed, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 },
    });
    expect(judgeDisruptionBudget(t, pdb(1), 3)).to.include({ result: "ok" });
    const tooMany = judgeDisruptionBudget(t, pdb(1), 2);
    expect(tooMany).to.include({ result: "FAIL" });
    expect(tooMany.detail).to.contain("a drain may break the quorum, which can spare 0 now");
    expect(judgeDisruptionBudget(t, pdb(0), 3)).to.include({ result: "WARN" });
    expect(judgeDisruptionBudget(t, undefined, 3)).to.include({ result: "FAIL" });
    const single = stackTarget("one", { ...OUTPUTS, serverFqdns: ["zk-0.zk-hs.zookeeper.svc.cluster.local"] });
    expect(judgeDisruptionBudget(single, undefined, 1)).to.include({ result: "ok" });
  });
});
