// The TLS stages (components/zookeeper/transitions.ts: off -> accept -> prefer -> on, ZooKeeper's
// "Upgrading existing non-TLS cluster with no downtime", zookeeperAdmin.md) on real ZooKeeper servers
// (the fetched release, 3.9.5 by default), each server's zoo.cfg rendered by the project for its stage
// (LocalEnsemble.writeZooCfg with a stage, as configmap.ts renders it) and its stores assembled by
// zk-tls.sh from a Secret volume. A roll is what the StatefulSet does: one server at a time, the
// highest ordinal first, each stopped with SIGTERM and started with the next stage's zoo.cfg, the
// next one touched only once the rendered readiness probe passes. Continuous writers go through the
// plaintext client ports and, once every server has one, through the secure client ports (a local
// proxy per server that dials 2281 over TLS, trusting the ensemble's CA and checking the server's
// name: the bounded client speaks no TLS itself). Every acknowledged write is read back through
// every server.
//
// What the harness cannot show as a pod has it: at stage on, zoo.cfg rendered with the harness's
// bind address puts the plaintext client port on the server's own 127.0.0.x, not on 127.0.0.1 (the
// pod's loopback, which only one server per host could have); that address stands in for the
// pod's loopback, and the plaintext writer's writes through it at stage on are the pod's own local
// clients' (probes, port-forward), not other pods'. The secure-port writer is the clients' path.
import { expect } from "chai";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { presented, serialOr, tcpReach } from "../../harness/tls-probe";
import { CertificateAuthority, IssuedCertificate, SecretVolume, issueCertificate, makeCa, secretData } from "../../harness/tls-certs";
import { certificateNames } from "../../components/zookeeper/tls";
import { PORTS } from "../../components/zookeeper/options";
import type { TlsStage } from "../../components/zookeeper/transitions";
import { ZkClient } from "../../zk/zk-client";
import { ContinuousWriter, ReadBack, WriterReport, describeWrites } from "../../zk/writer";
import { quickWriterOptions } from "../../harness/quick-writer";

/** 127.0.0.190-192: reserved for this file (tls.test.ts uses 160-163 and 169). */
const ADDRESS_BASE = 190;
const SERVERS = [0, 1, 2];
/** The StatefulSet's order: the highest ordinal first. */
const ROLL_ORDER = [2, 1, 0];
const SERVER_WAIT = 60000;
/** Bound on the two servers left serving writes while the third is stopped. */
const STEP_WAIT = 30000;
/** How long a server rolled straight from off to on is watched not becoming Ready. */
/** A dozen ticks: several election rounds, each refused at its first TLS handshake. */
const SKIP_WATCH_MS = 6000;
/**
 * What 3.8.0 logs of its quorum connections (org.apache.zookeeper.server.quorum, release-3.8.0-1),
 * and 3.9.5 alike (this suite passes on both):
 * QuorumCnxManager.initiateConnection after the TLS handshake of an election connection it dialled;
 * UnifiedServerSocket (the listener with portUnification or sslQuorum) for each connection it took,
 * by the mode it detected; QuorumCnxManager's ListenerHandler.createNewServerSocket for the election
 * listener it opens: unified (portUnification) or TLS only (sslQuorum alone); a plain one logs nothing.
 */
const QUORUM_LOG = {
  dialledTls: /SSL handshake complete with/,
  acceptedPlaintext: /Accepted plaintext connection from/,
  acceptedTls: /Accepted TLS connection from/,
  unifiedListener: /Creating TLS-enabled quorum server socket/,
  tlsOnlyListener: /Creating TLS-only quorum server socket/,
};

/** The component's certificate names plus IP 127.0.0.1 (on loopback 3.8.0 checks the dialling peer's address: tls.test.ts). */
function serverSans(zk: LocalEnsemble): { dns: string[]; ips: string[] } {
  const s = zk.settings;
  return { dns: certificateNames(s.names, s.namespace, s.clusterDomain), ips: ["127.0.0.1"] };
}

/**
 * A plaintext listener on 127.0.0.1 that carries each connection to one server's secure client
 * port over TLS, verifying the server's certificate against the ensemble's CA and its FQDN (as a
 * TLS client in the cluster does). An upstream that fails or closes closes the client's side, so the
 * client moves on to its next server as it would.
 */
class SecurePortProxy {
  private readonly listener: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** TLS connections to the secure port that completed their handshake with a verified certificate. */
  verifiedHandshakes = 0;
  port = 0;

  constructor(
    private readonly host: string,
    private readonly fqdn: string,
    private readonly caPem: string,
  ) {
    this.listener = net.createServer((client) => this.carry(client));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.listener.once("error", reject);
      this.listener.listen(0, "127.0.0.1", () => resolve());
    });
    this.port = (this.listener.address() as net.AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private carry(client: net.Socket): void {
    client.pause();
    const upstream = tls.connect({
      host: this.host,
      port: PORTS.secureClient,
      servername: this.fqdn,
      ca: this.caPem,
      minVersion: "TLSv1.2",
    });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("error", () => undefined);
      s.on("close", () => {
        this.sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.setTimeout(5000, () => upstream.destroy());
    upstream.once("secureConnect", () => {
      upstream.setTimeout(0);
      if (!upstream.authorized) {
        upstream.destroy();
        return;
      }
      this.verifiedHandshakes++;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.listener.close(() => resolve()));
  }
}

function logSize(zk: LocalEnsemble, ordinal: number): number {
  const log = zk.servers[ordinal].log;
  return fs.existsSync(log) ? fs.statSync(log).size : 0;
}

function logSince(zk: LocalEnsemble, ordinal: number, offset: number, end?: number): string {
  const log = zk.servers[ordinal].log;
  return fs.existsSync(log) ? fs.readFileSync(log, "latin1").slice(offset, end) : "";
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe("TLS stages on real ZooKeeper servers: rolled one server at a time as the StatefulSet rolls them", function () {
  this.timeout(600000);

  let zk: LocalEnsemble;
  let ca: CertificateAuthority;
  let cert: IssuedCertificate;
  /** The stage of each server's zoo.cfg (what it was last started with). */
  const stages: TlsStage[] = ["off", "off", "off"];
  let proxies: SecurePortProxy[] = [];
  /** Writers running now: a failed case leaves none behind (afterEach stops them). */
  const running = new Set<ContinuousWriter>();

  before(async () => {
    zk = new LocalEnsemble({ replicas: 3, tls: { mode: "generated" } }, ADDRESS_BASE);
    const pki = path.join(zk.root, "pki");
    ca = makeCa(pki, "stages-ca");
    cert = issueCertificate(ca, pki, serverSans(zk));
    for (const s of zk.servers) new SecretVolume(s.tlsSecretDir!).write(secretData(cert, ca));
    for (const i of SERVERS) zk.writeZooCfg(i, zk.settings.zookeeper, "off");
    proxies = zk.servers.map((s) => new SecurePortProxy(s.address, s.fqdn, ca.certPem));
    for (const p of proxies) await p.listen();
  });
  afterEach(async function () {
    for (const w of running) await w.stop();
    running.clear();
    if (this.currentTest?.state === "failed" && zk) console.error(zk.logTails(40));
  });
  after(async () => {
    for (const p of proxies) await p.close();
    await zk?.destroy();
  });

  const plaintext = () => zk.connect();
  const secure = (ordinals = SERVERS) => ordinals.map((i) => proxies[i].address).join(",");

  async function startWriter(connectionString: string, root: string): Promise<ContinuousWriter> {
    const w = await ContinuousWriter.start(quickWriterOptions(connectionString, root));
    running.add(w);
    await zk.waitFor(`the writer of ${root} to write`, async () => w.acknowledged > 5, STEP_WAIT);
    return w;
  }

  async function stopWriter(w: ContinuousWriter): Promise<WriterReport> {
    running.delete(w);
    return w.stop();
  }

  /** Every acknowledged write of a writer present through each of these connection strings (one server each). */
  async function everyWriteOn(w: ContinuousWriter, report: WriterReport, throughEach: string[]): Promise<ReadBack[]> {
    const backs: ReadBack[] = [];
    for (const through of throughEach) {
      const back = await w.readBack(through);
      expect(back.lost, `acknowledged writes of ${report.root} missing through ${through}`).to.deep.equal([]);
      expect(back.acknowledged).to.equal(report.acknowledged);
      backs.push(back);
    }
    return backs;
  }

  function restartWith(ordinal: number, stage: TlsStage): void {
    zk.writeZooCfg(ordinal, zk.settings.zookeeper, stage);
    stages[ordinal] = stage;
    zk.start([ordinal]);
  }

  /** A case's starting point: every server at `stage` and Ready (started afresh there unless already so). */
  async function ensembleAt(stage: TlsStage): Promise<void> {
    const already = stages.every((s) => s === stage) && SERVERS.every((i) => zk.isRunning(i));
    if (!already) {
      await zk.stop();
      for (const i of SERVERS) restartWith(i, stage);
    }
    await zk.waitReady(undefined, SERVER_WAIT);
  }

  function cfgOf(ordinal: number): string {
    return fs.readFileSync(path.join(zk.servers[ordinal].confDir, "zoo.cfg"), "utf8");
  }

  /** What the stage's rendered zoo.cfg says (transitions.ts, tls.ts). */
  function expectRendered(ordinal: number, stage: TlsStage): void {
    const cfg = cfgOf(ordinal);
    if (stage === "off") {
      expect(cfg, `server ${ordinal + 1}`).to.not.match(/^(secureClientPort|sslQuorum|portUnification)=/m);
      return;
    }
    expect(cfg, `server ${ordinal + 1}`).to.match(new RegExp(`^sslQuorum=${stage !== "accept"}$`, "m"));
    expect(cfg, `server ${ordinal + 1}`).to.match(new RegExp(`^portUnification=${stage !== "on"}$`, "m"));
    expect(cfg, `server ${ordinal + 1}`).to.match(/^secureClientPort=2281$/m);
  }

  interface StepTiming {
    server: number;
    /** From SIGTERM until the other two were Ready and had acknowledged writes of every writer. */
    othersServingMs: number;
    /** From start until the rendered readiness probe passed. */
    readyMs: number;
  }

  /** Each server's log size at the start of each step of a roll, and at its end (marks[3]). */
  type Marks = number[][];

  /**
   * One stage's roll, as the StatefulSet does it: highest ordinal first; a server is stopped only
   * once all three are Ready; with it stopped, the other two must be Ready and acknowledge writes
   * of every writer (the quorum lost that one server only) before it starts with the stage's
   * zoo.cfg; the next is touched only once its readiness probe passes. The restarted server's log
   * must show the election listener of its stage. Returns each step's timings and the log marks.
   */
  async function roll(stage: TlsStage, writers: ContinuousWriter[]): Promise<{ steps: StepTiming[]; marks: Marks }> {
    const steps: StepTiming[] = [];
    const marks: Marks = [];
    for (const i of ROLL_ORDER) {
      await zk.waitReady(undefined, STEP_WAIT);
      marks.push(SERVERS.map((j) => logSize(zk, j)));
      const others = SERVERS.filter((j) => j !== i);
      const t0 = Date.now();
      await zk.stop([i]);
      const acked = writers.map((w) => w.acknowledged);
      await zk.waitFor(
        `servers ${others.map((j) => j + 1).join(" and ")} to be Ready and acknowledge writes with server ${i + 1} stopped`,
        async () =>
          writers.every((w, k) => w.acknowledged > acked[k] + 5) &&
          (await Promise.all(others.map((j) => zk.probe(j, "ready")))).every((r) => r.ok),
        STEP_WAIT,
      );
      const othersServingMs = Date.now() - t0;
      const t1 = Date.now();
      const restartedAt = logSize(zk, i);
      restartWith(i, stage);
      expectRendered(i, stage);
      await zk.waitReady([i], SERVER_WAIT);
      steps.push({ server: i + 1, othersServingMs, readyMs: Date.now() - t1 });
      expect(await zk.mode(i), `server ${i + 1} at ${stage}`).to.be.oneOf(["leader", "follower"]);
      const log = logSince(zk, i, restartedAt);
      const listener = { unified: QUORUM_LOG.unifiedListener.test(log), tlsOnly: QUORUM_LOG.tlsOnlyListener.test(log) };
      expect(listener, `server ${i + 1}'s election listener at ${stage}`).to.deep.equal({
        unified: stage === "accept" || stage === "prefer",
        tlsOnly: stage === "on",
      });
    }
    await zk.waitReady(undefined, STEP_WAIT);
    marks.push(SERVERS.map((j) => logSize(zk, j)));
    return { steps, marks };
  }

  /** Which servers logged `what` between the start of step `from` and the start of step `to` (3: the roll's end). */
  const logged = (marks: Marks, what: RegExp, from = 0, to = 3) =>
    SERVERS.map((j) => what.test(logSince(zk, j, marks[from][j], marks[to][j])));

  function describeRoll(stage: string, steps: StepTiming[], reports: [string, WriterReport][]): void {
    const s = steps.map((t) => `server ${t.server}: others serving ${seconds(t.othersServingMs)}, Ready ${seconds(t.readyMs)} after start`);
    console.log(`      -> ${stage}: ${s.join("; ")}`);
    for (const [name, r] of reports) {
      console.log(
        `         ${name} writer: ${r.acknowledged} acknowledged of ${r.attempted}, longest gap ${seconds(r.longestGapMs)} at +${seconds(r.longestGapStartMs)}, sessions ${r.sessions}`,
      );
    }
  }

  it("off -> accept -> prefer -> on, one server at a time under writers: each server stopped only while all three are Ready, the other two serve writes while it is down, every rolled server becomes Ready, no acknowledged write is lost on any server, and at the end the quorum ports present the certificate and the secure port gives a plaintext client no session", async () => {
    await ensembleAt("off");
    for (const i of SERVERS) expectRendered(i, "off");
    const done: [ContinuousWriter, WriterReport, "plaintext" | "secure"][] = [];

    // accept: the stores, both client ports, plaintext and TLS accepted on the quorum ports; nobody dials TLS.
    const acceptWriter = await startWriter(plaintext(), "/stages-up-accept");
    const accept = await roll("accept", [acceptWriter]);
    const acceptReport = await stopWriter(acceptWriter);
    done.push([acceptWriter, acceptReport, "plaintext"]);
    describeRoll("accept", accept.steps, [["plaintext", acceptReport]]);
    // sslQuorum=false: nobody dialled TLS; the unified listeners took the plaintext dials.
    expect(logged(accept.marks, QUORUM_LOG.dialledTls), "servers that dialled TLS during the accept roll").to.deep.equal([
      false,
      false,
      false,
    ]);
    expect(logged(accept.marks, QUORUM_LOG.acceptedPlaintext), "servers whose listener took a plaintext dial").to.include(true);
    for (const i of SERVERS) {
      expect(serialOr(await presented(zk.servers[i].address, PORTS.secureClient)), `server ${i + 1} secure port`).to.equal(cert.serial);
      // portUnification: the election port takes a TLS connection too.
      expect(serialOr(await presented(zk.servers[i].address, PORTS.leaderElection, cert)), `server ${i + 1} election port`).to.equal(
        cert.serial,
      );
    }

    // prefer: every server dials TLS; writers through both client ports.
    const preferPlain = await startWriter(plaintext(), "/stages-up-prefer-plaintext");
    const preferSecure = await startWriter(secure(), "/stages-up-prefer-secure");
    const prefer = await roll("prefer", [preferPlain, preferSecure]);
    const preferReports: [string, WriterReport][] = [
      ["plaintext", await stopWriter(preferPlain)],
      ["secure", await stopWriter(preferSecure)],
    ];
    done.push([preferPlain, preferReports[0][1], "plaintext"], [preferSecure, preferReports[1][1], "secure"]);
    describeRoll("prefer", prefer.steps, preferReports);
    // sslQuorum=true: every rolled server dialled TLS, and while server 3 was the only one at prefer
    // (step 0), servers 1 and 2, still at accept, took its TLS dials on their unified listeners.
    expect(logged(prefer.marks, QUORUM_LOG.dialledTls), "servers that dialled TLS during the prefer roll").to.deep.equal([
      true,
      true,
      true,
    ]);
    expect(
      logged(prefer.marks, QUORUM_LOG.acceptedTls, 0, 1),
      "servers that took a TLS dial while server 3 alone was at prefer",
    ).to.deep.equal([true, true, false]);

    // on: TLS only on the quorum ports; the plaintext client port on the pod's loopback (here the server's own address, see the header).
    const onSecure = await startWriter(secure(), "/stages-up-on-secure");
    const onPlain = await startWriter(plaintext(), "/stages-up-on-plaintext");
    const on = await roll("on", [onSecure, onPlain]);
    const onReports: [string, WriterReport][] = [
      ["secure", await stopWriter(onSecure)],
      ["plaintext (harness's stand-in for the pod loopback)", await stopWriter(onPlain)],
    ];
    done.push([onSecure, onReports[0][1], "secure"], [onPlain, onReports[1][1], "plaintext"]);
    describeRoll("on", on.steps, onReports);
    // From prefer on nobody dials plaintext: no listener took a plaintext connection during the on roll.
    expect(logged(on.marks, QUORUM_LOG.acceptedPlaintext), "servers whose listener took a plaintext dial during the on roll").to.deep.equal(
      [false, false, false],
    );

    // Every acknowledged write on every server, read through each server's own client port of the writer's kind.
    for (const [w, report, kind] of done) {
      const backs = await everyWriteOn(
        w,
        report,
        SERVERS.map((i) => (kind === "secure" ? proxies[i].address : zk.connect([i]))),
      );
      console.log(`         ${report.root}: ${describeWrites(report, backs)}`);
    }

    // The end state: TLS on the quorum ports of every server with the ensemble's certificate, TLS only at the secure client port.
    const leader = (await zk.leaders())[0];
    expect(leader, "a leader").to.be.a("number");
    for (const i of SERVERS) {
      expectRendered(i, "on");
      expect(serialOr(await presented(zk.servers[i].address, PORTS.leaderElection, cert)), `server ${i + 1} port 3888`).to.equal(
        cert.serial,
      );
    }
    expect(serialOr(await presented(zk.servers[leader].address, PORTS.server, cert)), `leader's port 2888`).to.equal(cert.serial);
    for (const i of SERVERS) {
      const atSecure = await ZkClient.open(`${zk.servers[i].address}:${PORTS.secureClient}`, { connectMs: 5000 }).then(
        (c) => {
          c.close();
          return "session established";
        },
        (e: Error) => e.message,
      );
      expect(atSecure, `a plaintext client at server ${i + 1}'s port 2281`).to.not.equal("session established");
    }
    expect(
      proxies.every((p) => p.verifiedHandshakes > 0),
      "every secure port carried writes",
    ).to.equal(true);
  });

  it("on -> prefer -> accept -> off, one server at a time under writers: the same checks, and at the end no quorum port speaks TLS and the secure client port is closed", async () => {
    await ensembleAt("on");
    const done: [ContinuousWriter, WriterReport, "plaintext" | "secure"][] = [];

    const preferSecure = await startWriter(secure(), "/stages-down-prefer-secure");
    const preferPlain = await startWriter(plaintext(), "/stages-down-prefer-plaintext");
    const prefer = await roll("prefer", [preferSecure, preferPlain]);
    const preferReports: [string, WriterReport][] = [
      ["secure", await stopWriter(preferSecure)],
      ["plaintext", await stopWriter(preferPlain)],
    ];
    done.push([preferSecure, preferReports[0][1], "secure"], [preferPlain, preferReports[1][1], "plaintext"]);
    describeRoll("prefer", prefer.steps, preferReports);
    expect(
      logged(prefer.marks, QUORUM_LOG.acceptedPlaintext),
      "servers whose listener took a plaintext dial during the prefer roll",
    ).to.deep.equal([false, false, false]);

    const acceptSecure = await startWriter(secure(), "/stages-down-accept-secure");
    const acceptPlain = await startWriter(plaintext(), "/stages-down-accept-plaintext");
    const accept = await roll("accept", [acceptSecure, acceptPlain]);
    const acceptReports: [string, WriterReport][] = [
      ["secure", await stopWriter(acceptSecure)],
      ["plaintext", await stopWriter(acceptPlain)],
    ];
    done.push([acceptSecure, acceptReports[0][1], "secure"], [acceptPlain, acceptReports[1][1], "plaintext"]);
    describeRoll("accept", accept.steps, acceptReports);
    // While server 3 was the only one at accept (step 0), servers 1 and 2, still at prefer, took its plaintext dials.
    expect(
      logged(accept.marks, QUORUM_LOG.acceptedPlaintext, 0, 1),
      "servers that took a plaintext dial while server 3 alone was at accept",
    ).to.deep.equal([true, true, false]);

    // off closes the secure client port server by server: plaintext writes only.
    const offPlain = await startWriter(plaintext(), "/stages-down-off");
    const off = await roll("off", [offPlain]);
    const offReport = await stopWriter(offPlain);
    done.push([offPlain, offReport, "plaintext"]);
    describeRoll("off", off.steps, [["plaintext", offReport]]);
    expect(logged(off.marks, QUORUM_LOG.dialledTls), "servers that dialled TLS during the off roll").to.deep.equal([false, false, false]);

    // The secure ports are gone: every write is read back through each server's plaintext port.
    for (const [w, report] of done) {
      const backs = await everyWriteOn(
        w,
        report,
        SERVERS.map((i) => zk.connect([i])),
      );
      console.log(`         ${report.root}: ${describeWrites(report, backs)}`);
    }
    const leader = (await zk.leaders())[0];
    expect(leader, "a leader").to.be.a("number");
    for (const i of SERVERS) {
      expectRendered(i, "off");
      const election = await presented(zk.servers[i].address, PORTS.leaderElection, cert);
      expect(election, `server ${i + 1} port 3888: ${JSON.stringify(election)}`).to.have.property("error");
      expect(await tcpReach(zk.servers[i].address, PORTS.secureClient), `server ${i + 1} port 2281`).to.equal("refused");
    }
    const atLeader = await presented(zk.servers[leader].address, PORTS.server, cert);
    expect(atLeader, `leader's port 2888: ${JSON.stringify(atLeader)}`).to.have.property("error");
  });

  it("the skip the guard refuses: from a plaintext ensemble, a server restarted straight at on does not become Ready within 6 s while the other two stay Ready and acknowledge writes; restarted at accept it becomes Ready", async () => {
    await ensembleAt("off");
    const skipped = 2;
    const others = [0, 1];
    const writer = await startWriter(zk.connect(others), "/stages-skip");
    await zk.stop([skipped]);
    await zk.waitReady(others, STEP_WAIT);
    const offsets = SERVERS.map((i) => logSize(zk, i));
    restartWith(skipped, "on");
    expectRendered(skipped, "on");
    // Its election listener is open (QuorumPeer.start: client ports, then leader election): the JVM is up.
    await zk.waitFor(
      `server ${skipped + 1}'s election port to present the certificate`,
      async () => serialOr(await presented(zk.servers[skipped].address, PORTS.leaderElection, cert)) === cert.serial,
      SERVER_WAIT,
    );
    const t0 = Date.now();
    const ackedAtStart = writer.acknowledged;
    let polls = 0;
    while (Date.now() - t0 < SKIP_WATCH_MS) {
      const [ready, mode, ready0, ready1] = await Promise.all([
        zk.probe(skipped, "ready"),
        zk.mode(skipped),
        zk.probe(others[0], "ready"),
        zk.probe(others[1], "ready"),
      ]);
      expect(ready.ok, `server ${skipped + 1} Ready ${seconds(Date.now() - t0)} after its election port opened: ${ready.output}`).to.equal(
        false,
      );
      expect(mode, `server ${skipped + 1}`).to.not.be.oneOf(["leader", "follower"]);
      expect(ready0.ok && ready1.ok, `servers 1 and 2 Ready after ${seconds(Date.now() - t0)}: ${ready0.output} ${ready1.output}`).to.equal(
        true,
      );
      polls++;
      await new Promise((r) => setTimeout(r, 500));
    }
    const ackedDuring = writer.acknowledged - ackedAtStart;
    expect(ackedDuring, "writes acknowledged by servers 1 and 2 during the watch").to.be.above((SKIP_WATCH_MS / 1000) * 5);
    expect(zk.isRunning(skipped), `server ${skipped + 1} still running`).to.equal(true);
    // Why, in the servers' own words (3.8.0 and 3.9.5 alike). Server 3 listens TLS-only and dials TLS; servers 1 and
    // 2 listen plaintext-only and read its ClientHello as an old-protocol election message: the TLS
    // record header (0x16: handshake, 0x03: version 3.x) as a server id, the next bytes as a packet
    // length. So neither side's election connection ever carries a notification.
    const logs = SERVERS.map((i) => logSince(zk, i, offsets[i]));
    expect(logs[skipped], "server 3's election listener").to.match(QUORUM_LOG.tlsOnlyListener);
    const evidence: string[][] = [[], [], []];
    for (const peer of others) {
      const refused = new RegExp(
        String.raw`Cannot open channel to ${peer + 1} at election address [^\n]*\njavax\.net\.ssl\.SSLHandshakeException: Remote host terminated the handshake`,
      ).exec(logs[skipped]);
      expect(refused, `server 3's TLS dial to server ${peer + 1} cut off by the plaintext listener`).to.not.equal(null);
      evidence[skipped].push(...refused![0].split("\n"));
      const misread = [
        ...logs[peer].matchAll(
          /Connection broken for id (\d+), my id = \d+\njava\.io\.IOException: Received packet with invalid packet: (-?\d+)/g,
        ),
      ];
      const asTls = misread.filter((m) => BigInt(m[1]).toString(16).startsWith("1603"));
      expect(asTls.length, `server ${peer + 1}'s reads of a TLS record as an election message`).to.be.above(0);
      evidence[peer].push(
        ...asTls[0][0].split("\n"),
        `(server id 0x${BigInt(asTls[0][1]).toString(16)}, packet length 0x${Number(asTls[0][2]).toString(16)}; ${asTls.length} such reads since server 3 started)`,
      );
    }
    for (const i of SERVERS) {
      console.log(`      server ${i + 1} (${stages[i]}):`);
      for (const l of evidence[i]) console.log(`        ${l.replace(/^\[[^\]]*\] /, "")}`);
    }
    console.log(
      `      server ${skipped + 1} at on stayed out for ${seconds(Date.now() - t0)} (${polls} polls, never Ready, never leader or follower); servers 1 and 2 Ready at every poll and acknowledged ${ackedDuring} writes meanwhile`,
    );

    // The recovery path: the same server at accept (dials plaintext, accepts both).
    await zk.stop([skipped]);
    const t1 = Date.now();
    restartWith(skipped, "accept");
    await zk.waitReady([skipped], SERVER_WAIT);
    expect(await zk.mode(skipped)).to.be.oneOf(["leader", "follower"]);
    console.log(`      server ${skipped + 1} restarted at accept was Ready ${seconds(Date.now() - t1)} after start`);
    const report = await stopWriter(writer);
    const backs = await everyWriteOn(
      writer,
      report,
      SERVERS.map((i) => zk.connect([i])),
    );
    console.log(`      ${describeWrites(report, backs)}`);
  });
});
