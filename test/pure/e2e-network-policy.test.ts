// The e2e phase "NetworkPolicy enforced", in the parts that need no cluster: which ports the probe pod
// must reach and which it must not (from the port table and the stack's settings), the probe's
// command (run here for real with bash against loopback), the pod it runs in (Pod Security
// `restricted`, valid against the schema, not selected as a server), the parser of its log, and the
// verdict. Only a real cluster shows that kindnet enforces the policy (npm run e2e).
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import {
  expectations,
  Expectation,
  judge,
  parseProbeLog,
  policySettings,
  PolicySettings,
  PROBE_LABELS,
  probeCommand,
  probePod,
  ProbeScene,
} from "../../e2e/network-policy";
import { ensembleNames, serverFqdns } from "../../components/zookeeper/names";
import { podSelector } from "../../components/zookeeper/labels";
import { listeningPorts } from "../../components/zookeeper/ports";
import { portFeatures } from "../../components/zookeeper/options";
import { validateManifest } from "../../harness/schema";

const FQDNS = serverFqdns(ensembleNames(), "zookeeper", "cluster.local", 3);
const CS = "zk-cs.zookeeper.svc.cluster.local";
const scene = (probeLabels: Record<string, string> = PROBE_LABELS): ProbeScene => ({
  namespace: "zookeeper",
  serverFqdns: FQDNS,
  clientServiceHost: CS,
  probeLabels,
});
/** The e2e stack's own settings (e2e/stack.ts): everything else at its default. */
const E2E_CONFIG = { clusterName: "kz-e2e-abc123", exposeOnHost: "true", hostPort: "40123", backupSchedule: "0 3 1 1 *" };
const settings = (raw: Record<string, string | undefined> = {}) =>
  policySettings(Object.fromEntries(Object.entries({ ...E2E_CONFIG, ...raw }).filter((kv): kv is [string, string] => kv[1] !== undefined)));
const byTarget = (es: Expectation[]) => Object.fromEntries(es.map((e) => [e.target, e.expect]));

describe("e2e NetworkPolicy phase: what the probe pod must and must not reach", () => {
  it("reads the e2e stack's settings with the defaults: policy on, clientAccess any, metrics on (any namespace), TLS off", () => {
    expect(settings()).to.deep.equal({
      networkPolicy: true,
      clientAccess: { mode: "any" },
      metrics: true,
      metricsAccessNamespace: undefined,
      tlsStage: "off",
    });
  });

  it("on the e2e stack: the client port open (Service and every server), metrics open, quorum, election and AdminServer closed", () => {
    // Written out for the default stack, as a check of the derivation from the port table.
    const want: Record<string, string> = { [`${CS}:2181`]: "open" };
    for (const host of FQDNS)
      Object.assign(want, {
        [`${host}:2181`]: "open",
        [`${host}:2888`]: "closed",
        [`${host}:3888`]: "closed",
        [`${host}:8080`]: "closed",
        [`${host}:7000`]: "open",
      });
    expect(byTarget(expectations(settings(), scene()))).to.deep.equal(want);
  });

  for (const tls of ["off", "accept", "prefer", "on"] as const)
    for (const metrics of [true, false])
      it(`aims at every port a server listens on, on every server, and at the client ports on the Service (TLS ${tls}, metrics ${metrics})`, () => {
        // The in-cluster backup job and the roll Job speak no TLS: a stack refuses them with tls on.
        const s = settings({ tls, metrics: String(metrics), ...(tls === "on" ? { backupSchedule: undefined, rollOrder: "ordinal" } : {}) });
        const es = expectations(s, scene());
        const listening = listeningPorts(portFeatures(s));
        expect(es.filter((e) => e.host !== CS).map((e) => e.target)).to.have.members(
          FQDNS.flatMap((h) => listening.map((p) => `${h}:${p.port}`)),
        );
        expect(es.filter((e) => e.host === CS).map((e) => e.port)).to.have.members(
          listening.filter((p) => p.audience === "clients").map((p) => p.port),
        );
        for (const e of es) {
          if (e.audience === "pod" || e.audience === "peers") expect(e.expect, `${e.target} ${e.why}`).to.equal("closed");
          else expect(e.expect, `${e.target} ${e.why}`).to.equal("open");
        }
        // With TLS on, the plaintext client port is the pod's own (loopback): closed, the secure one open.
        if (tls === "on") {
          expect(byTarget(es)[`${FQDNS[0]}:2181`]).to.equal("closed");
          expect(byTarget(es)[`${CS}:2281`]).to.equal("open");
        }
      });

  it("without a NetworkPolicy every port but the loopback-only ones is open, the peer ports included", () => {
    const es = byTarget(expectations(settings({ networkPolicy: "false" }), scene()));
    expect(es[`${FQDNS[1]}:3888`]).to.equal("open");
    expect(es[`${FQDNS[1]}:2888`]).to.equal("open");
    expect(es[`${FQDNS[1]}:8080`]).to.equal("closed");
  });

  it("clientAccess labelled: the client ports open to a probe with the label, closed to one without", () => {
    const labelled = settings({ clientAccess: "labelled", clientPodLabel: "zk-client=true", exposeOnHost: "false" });
    const without = byTarget(expectations(labelled, scene()));
    const withLabel = byTarget(expectations(labelled, scene({ ...PROBE_LABELS, "zk-client": "true" })));
    expect([without[`${CS}:2181`], without[`${FQDNS[2]}:2181`]]).to.deep.equal(["closed", "closed"]);
    expect([withLabel[`${CS}:2181`], withLabel[`${FQDNS[2]}:2181`]]).to.deep.equal(["open", "open"]);
    expect(withLabel[`${FQDNS[2]}:3888`]).to.equal("closed");
  });

  it("clientAccess namespace: open to the probe, which runs in the ensemble's namespace", () => {
    const es = byTarget(expectations(settings({ clientAccess: "namespace", exposeOnHost: "false" }), scene()));
    expect(es[`${CS}:2181`]).to.equal("open");
  });

  it("metricsAccessNamespace: the metrics port open to the probe only when it names the ensemble's namespace", () => {
    expect(byTarget(expectations(settings({ metricsAccessNamespace: "monitoring" }), scene()))[`${FQDNS[0]}:7000`]).to.equal("closed");
    expect(byTarget(expectations(settings({ metricsAccessNamespace: "zookeeper" }), scene()))[`${FQDNS[0]}:7000`]).to.equal("open");
  });

  it("says why for every target", () => {
    for (const e of expectations(settings(), scene())) expect(e.why, e.target).to.match(/\w/);
  });
});

describe("e2e NetworkPolicy phase: the probe pod", () => {
  const command = probeCommand([`${CS}:2181`, `${FQDNS[0]}:3888`]);
  const pod = probePod({
    name: "zk-np-probe-abc123",
    namespace: "zookeeper",
    image: "zookeeper:3.9.6",
    uid: 1000,
    labels: PROBE_LABELS,
    command,
    deadlineSeconds: 90,
  });

  it("is a valid Pod that ends by itself and is never restarted", () => {
    validateManifest(pod);
    expect(pod.spec).to.include({ restartPolicy: "Never", activeDeadlineSeconds: 90, automountServiceAccountToken: false });
    expect(pod.spec.containers[0]).to.include({ image: "zookeeper:3.9.6", imagePullPolicy: "IfNotPresent" });
    expect(pod.spec.containers[0].command).to.deep.equal(command);
  });

  it("meets Pod Security restricted: non-root uid 1000, RuntimeDefault seccomp, no capabilities, no escalation, read-only root", () => {
    expect(pod.spec.securityContext).to.deep.include({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } });
    const c = pod.spec.containers[0].securityContext;
    expect(c).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(c.capabilities).to.deep.equal({ drop: ["ALL"] });
    expect(pod.spec).to.not.have.property("volumes");
  });

  it("does not carry the servers' selector, so the policy does not take it for a peer", () => {
    const selector = podSelector(ensembleNames());
    expect(Object.entries(selector).every(([k, v]) => pod.metadata.labels[k as keyof typeof pod.metadata.labels] === v)).to.equal(false);
    expect(pod.metadata.labels).to.not.have.property("app");
  });

  it("refuses a target that is not host:port, and a bound that is not whole seconds", () => {
    expect(() => probeCommand(["zk-0; rm -rf /:2181"])).to.throw(/not a host:port/);
    expect(() => probeCommand(["zk-0"])).to.throw(/not a host:port/);
    expect(() => probeCommand([], 0.5)).to.throw(/whole number/);
  });
});

describe("e2e NetworkPolicy phase: the probe's command, run here with bash", function () {
  this.timeout(30000);
  let server: net.Server;
  let open: number;
  let closed: number;
  let dir: string;
  before(async () => {
    server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    open = (server.address() as net.AddressInfo).port;
    const spare = net.createServer();
    await new Promise<void>((r) => spare.listen(0, "127.0.0.1", () => r()));
    closed = (spare.address() as net.AddressInfo).port;
    await new Promise<void>((r) => spare.close(() => r()));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-np-probe-"));
  });
  after(() => {
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const run = (targets: string[], env: Record<string, string> = {}, seconds = 3) => {
    const [cmd, ...args] = probeCommand(targets, seconds);
    const out = spawnSync(cmd, args, { encoding: "utf8", timeout: 20000, env: { ...process.env, ...env } });
    expect(out.status, out.stderr).to.equal(0);
    return out.stdout;
  };

  it("prints open, rejected and unresolved, one line per target, and its last line", () => {
    const log = run([`127.0.0.1:${open}`, `127.0.0.1:${closed}`, "no-such-host.invalid:2181"]);
    const parsed = parseProbeLog(log);
    expect(parsed.done).to.equal(true);
    expect(Object.fromEntries(parsed.results)).to.deep.equal({
      [`127.0.0.1:${open}`]: "open",
      [`127.0.0.1:${closed}`]: "rejected",
      "no-such-host.invalid:2181": "unresolved",
    });
    expect(parsed.other, "only the probe's own lines").to.deep.equal([]);
  });

  /** PATH with a stand-in timeout(1): a connect to a port matching $HANG_PORTS (3881-3888 exactly: an ephemeral port such as 38519 must not match) hangs until the bound (124); everything else is the real one. */
  const hanging = () => {
    const real = spawnSync("bash", ["-c", "command -v timeout"], { encoding: "utf8" }).stdout.trim();
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, "timeout"),
      `#!/bin/bash\nif [ "$2" = bash ] && [[ "$6" == $HANG_PORTS ]]; then echo start >> "$HANG_RECORD"; sleep "$1"; echo end >> "$HANG_RECORD"; exit 124; fi\nexec ${real} "$@"\n`,
      { mode: 0o755 },
    );
    return { PATH: `${bin}:${process.env.PATH}`, HANG_PORTS: "388[1-8]", HANG_RECORD: path.join(dir, `hangs-${Date.now()}`) };
  };

  it("prints timeout when the connect is still pending at the bound (timeout(1)'s 124)", () => {
    const log = run([`127.0.0.1:${open}`, "127.0.0.1:3888"], hanging(), 1);
    expect(Object.fromEntries(parseProbeLog(log).results)).to.deep.equal({ [`127.0.0.1:${open}`]: "open", "127.0.0.1:3888": "timeout" });
  });

  it("tries the targets at once: all eight hanging connects start before the first one gives up", () => {
    const ports = Array.from({ length: 8 }, (_, i) => `127.0.0.1:${3881 + i}`);
    const env = hanging();
    const log = run(ports, env, 2);
    expect([...parseProbeLog(log).results.values()]).to.deep.equal(Array(8).fill("timeout"));
    const events = fs.readFileSync(env.HANG_RECORD, "utf8").trim().split("\n");
    expect(events, "one after another would alternate start and end").to.deep.equal([...Array(8).fill("start"), ...Array(8).fill("end")]);
  });
});

describe("e2e NetworkPolicy phase: the log and the verdict", () => {
  const s: PolicySettings = settings();
  const expected = expectations(s, scene());
  /** A log as the probe prints it when the policy is enforced as the settings say, with kubelet-free noise. */
  const goodLog = (over: Record<string, string> = {}) =>
    [
      ...expected.map((e) => `np-probe ${e.host} ${e.port} ${over[e.target] ?? (e.expect === "open" ? "open" : "timeout")}`),
      `np-probe-done ${expected.length}`,
      "",
    ].join("\n");
  /** The control from a server: the election port open on every server, the quorum port on the leader (zk-1) only. */
  const control = parseProbeLog(
    [
      ...FQDNS.map((h) => `np-probe ${h} 3888 open`),
      ...FQDNS.map((h, i) => `np-probe ${h} 2888 ${i === 1 ? "open" : "rejected"}`),
      "np-probe-done 6",
    ].join("\n"),
  );

  it("parses a fake log: results by host:port, the last line, and anything else apart", () => {
    const parsed = parseProbeLog(
      "bash: warning: something\r\nnp-probe zk-0.zk-hs 2181 open\nnp-probe zk-0.zk-hs 3888 timeout\nnp-probe-done 2\n",
    );
    expect(Object.fromEntries(parsed.results)).to.deep.equal({ "zk-0.zk-hs:2181": "open", "zk-0.zk-hs:3888": "timeout" });
    expect(parsed.done).to.equal(true);
    expect(parsed.other).to.deep.equal(["bash: warning: something"]);
    expect(parseProbeLog("np-probe zk-0 2181 open\n").done).to.equal(false);
    expect(parseProbeLog("np-probe zk-0 2181 maybe\n").results.size).to.equal(0);
  });

  it("passes when every target is as expected and a peer reaches every peer port somewhere", () => {
    const v = judge(expected, parseProbeLog(goodLog()), control);
    expect(v.failures).to.deep.equal([]);
    expect(v.report).to.have.length(expected.length);
    expect(v.report.find((l) => l.startsWith(`${FQDNS[1]}:2888`))).to.match(/expected closed .*probe timeout, peer open/);
  });

  it("a rejected connect counts as closed too (a policy may reject instead of dropping)", () => {
    const v = judge(expected, parseProbeLog(goodLog({ [`${FQDNS[0]}:3888`]: "rejected" })), control);
    expect(v.failures).to.deep.equal([]);
  });

  it("fails when the probe reaches the election port, naming the target", () => {
    const v = judge(expected, parseProbeLog(goodLog({ [`${FQDNS[2]}:3888`]: "open" })), control);
    expect(v.failures).to.have.length(1);
    expect(v.failures[0]).to.contain(`${FQDNS[2]}:3888 (leader-election) must be closed to the probe pod`);
  });

  it("fails when the client Service does not accept the probe", () => {
    const v = judge(expected, parseProbeLog(goodLog({ [`${CS}:2181`]: "timeout" })), control);
    expect(v.failures).to.deep.equal([`${CS}:2181 (client) must accept the probe pod (clientAccess any) but the connect timed out`]);
  });

  it("fails on a name the probe could not resolve, a missing line and an unfinished probe", () => {
    const lines = goodLog({ [`${FQDNS[0]}:8080`]: "unresolved" })
      .split("\n")
      .filter((l) => !l.startsWith(`np-probe ${FQDNS[1]} 7000 `) && !l.startsWith("np-probe-done"))
      .concat("bash: fork: Resource temporarily unavailable");
    const v = judge(expected, parseProbeLog(lines.join("\n")), control);
    expect(v.failures).to.have.length(3);
    expect(v.failures[0]).to.match(/did not finish.*Resource temporarily unavailable/);
    expect(v.failures).to.include(`${FQDNS[0]}:8080 (admin): the probe could not resolve ${FQDNS[0]}, which proves nothing`);
    expect(v.failures).to.include(`${FQDNS[1]}:7000 (metrics): the probe printed no line for it`);
  });

  it("fails when no peer reaches the quorum port: the probe's closed would prove nothing", () => {
    const noLeader = parseProbeLog(
      [...FQDNS.map((h) => `np-probe ${h} 3888 open`), ...FQDNS.map((h) => `np-probe ${h} 2888 rejected`), "np-probe-done 6"].join("\n"),
    );
    const v = judge(expected, parseProbeLog(goodLog()), noLeader);
    expect(v.failures).to.have.length(1);
    expect(v.failures[0]).to.match(/^no server accepted a peer on server \(.*\): the probe's closed proves nothing$/);
  });
});
