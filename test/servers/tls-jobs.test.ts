// The roll Job and the tenants Job over TLS on real ZooKeeper servers (the fetched release, 3.9.5
// unless ZK_VERSION names another; quorum TLS between these servers needs 3.9.4+, MIN_TLS_VERSION),
// servers running the rendered zoo.cfg and start script with certificates in the component's shape
// (harness/tls-certs.ts: the names certificateNames gives, no IP address). The Jobs dial the servers'
// loopback addresses and verify the names the certificates carry (their FQDNs), as in a pod they
// dial and verify the FQDNs: ZK_ROLL_HOSTS and ZK_HOSTS, the tests' resolver hooks, map each FQDN to
// its address; hostname verification is never turned off (zk/tls-dial.ts).
//
// Upstream rules relied on, each read at apache/zookeeper release-3.9.5 and checked below:
// - zookeeper-server/src/main/java/org/apache/zookeeper/server/NettyServerCnxn.java: receiveMessage
//   calls checkFourLetterWord on a connection not yet initialized, whatever the factory's `secure`
//   (the bytes arrive decrypted after the SslHandler NettyServerCnxnFactory.initSSL puts first), and
//   checkFourLetterWord answers a word outside 4lw.commands.whitelist with "<word> is not executed
//   because it is not in the whitelist." (FourLetterCommands.isEnabled).
// - zookeeper-server/src/main/java/org/apache/zookeeper/server/NettyServerCnxnFactory.java:
//   CertificateVerifier asks for no client certificate unless the engine needs or wants one
//   (ssl.clientAuth=none, tls.ts): a client with only the CA gets a session.
// - A Java client uses TLS with zookeeper.client.secure=true and the Netty socket
//   (ZKClientConfig.SECURE_CLIENT, ZooKeeper.ZOOKEEPER_CLIENT_CNXN_SOCKET), and a PEM trust store
//   (ClientX509Util's "zookeeper.ssl." prefix): the tenant Secret's jvmFlags on the secure port.
// - zookeeper-server/src/main/java/org/apache/zookeeper/common/ZKTrustManager.java (used with
//   zookeeper.fips-mode=false, which the Secret's jvmFlags set): checkServerTrusted verifies the
//   server's certificate against the host the client dialled (engine.getPeerHost()), after its
//   address; a name the certificate lacks fails with "Failed to verify hostname: <name>".
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { RollEnsemble } from "../../harness/roll-ensemble";
import { rollUnderWriter, expectOneElection, reportRoll, useRollEnsemble } from "../../harness/roll-under-writer";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { CertificateAuthority, SecretVolume, issueCertificate, makeCa, secretData } from "../../harness/tls-certs";
import { runTenantsJob, asAdmin, tenantsJobEnv } from "../../harness/tenants-job";
import { zkCliSession } from "../../harness/zk-cli";
import { certificateNames } from "../../components/zookeeper/tls";
import { connectionString, serverFqdns } from "../../components/zookeeper/names";
import { PORTS } from "../../components/zookeeper/options";
import { tenantConnection, tenantJaasUsers, TenantInput } from "../../components/zookeeper/tenants";
import { fourLetterWord } from "../../zk/verify/four-letter";
import { rollServers } from "../../zk/roll";
import { readRollRun } from "../../jobs/roll";
import { TENANTS_ENV } from "../../zk/facts/tenants";
import { jobsDialTls } from "../../zk/facts/tls-client";
import type { TlsStage } from "../../components/zookeeper/transitions";

/** 127.0.0.130-132: the rolled ensemble; 134-136: the tenants' ensemble. */
const ROLL_ADDRESS_BASE = 130;
const TENANTS_ADDRESS_BASE = 134;
const WAIT = 60000;

/** One CA and one server certificate (the component's names) in every server's Secret volume; another CA beside. */
function givePki(zk: LocalEnsemble): { ca: CertificateAuthority; caFile: string; otherCaFile: string } {
  const dir = path.join(zk.root, "pki");
  const ca = makeCa(dir, "ensemble-ca");
  const s = zk.settings;
  const cert = issueCertificate(ca, dir, { dns: certificateNames(s.names, s.namespace, s.clusterDomain) });
  for (const server of zk.servers) new SecretVolume(server.tlsSecretDir!).write(secretData(cert, ca));
  const other = makeCa(dir, "other-ca");
  return { ca, caFile: ca.certPath, otherCaFile: other.certPath };
}

describe("the roll Job over TLS on real servers (3 servers)", function () {
  this.timeout(600000);
  let e: RollEnsemble;
  let pki: ReturnType<typeof givePki>;

  useRollEnsemble(async () => {
    e = new RollEnsemble(3, ROLL_ADDRESS_BASE, { tls: { mode: "generated" } });
    pki = givePki(e.zk);
    e.tlsStage = "prefer";
    await e.deploy(WAIT);
    return e;
  });

  it("the secure client port answers srvr and mntr over TLS, verified against the server's FQDN with only the ensemble's CA; a word outside 4lw.commands.whitelist gets 'not executed'; another name or another CA gets no answer", async () => {
    const ca = pki.ca.certPem;
    const answers = await Promise.all(
      e.zk.servers.map((s) => fourLetterWord(s.address, PORTS.secureClient, "srvr", 5000, { ca, servername: s.fqdn })),
    );
    for (const a of answers) expect("text" in a && a.text, JSON.stringify(a)).to.match(/^Mode: (leader|follower)$/m);
    const leader = e.zk.servers[(await e.leader())!];
    const mntr = await fourLetterWord(leader.address, PORTS.secureClient, "mntr", 5000, { ca, servername: leader.fqdn });
    // 3.9's mntr prints its counters as decimals ("2.0").
    expect("text" in mntr && mntr.text, JSON.stringify(mntr).slice(0, 200)).to.match(/^zk_synced_followers\s+2(\.0)?$/m);
    const envi = await fourLetterWord(leader.address, PORTS.secureClient, "envi", 5000, { ca, servername: leader.fqdn });
    expect("text" in envi && envi.text, JSON.stringify(envi)).to.equal("envi is not executed because it is not in the whitelist.\n");
    const wrongName = await fourLetterWord(leader.address, PORTS.secureClient, "srvr", 5000, { ca, servername: "zk-0.elsewhere.invalid" });
    expect(wrongName, JSON.stringify(wrongName)).to.have.property("error");
    expect((wrongName as { message: string }).message).to.match(/altnames|Hostname/i);
    const otherCa = await fourLetterWord(leader.address, PORTS.secureClient, "srvr", 5000, {
      ca: fs.readFileSync(pki.otherCaFile, "utf8"),
      servername: leader.fqdn,
    });
    expect(otherCa, JSON.stringify(otherCa)).to.have.property("error");
  });

  /**
   * The roll Job's code from the environment rendered at `stage` (jobs/roll.ts: TLS with the CA file
   * at prefer and on, jobsDialTls), through its API client against the stand-in API server.
   */
  const rollThroughJob = (stage: TlsStage) => async (run: { log: (line: string) => void }) => {
    const tls = jobsDialTls(stage);
    const api = await e.serveApi(tls ? { tlsCaFile: pki.caFile } : {});
    try {
      const jobRun = readRollRun(api.env, () => ({ server: api.url }));
      expect(jobRun.clientPort).to.equal(tls ? PORTS.secureClient : PORTS.client);
      expect(jobRun.tls?.ca).to.equal(tls ? pki.ca.certPem : undefined);
      return await rollServers({ ...jobRun, pollMs: 250, log: run.log });
    } finally {
      await api.close();
    }
  };

  /** zoo.cfg's line of each stage (tls.ts): portUnification false only at on, sslQuorum false only at accept. */
  const expectStage = (stage: TlsStage) => {
    for (const s of e.zk.servers) {
      const cfg = fs.readFileSync(path.join(s.confDir, "zoo.cfg"), "utf8");
      expect(cfg, s.hostname).to.match(new RegExp(`^portUnification=${stage !== "on"}$`, "m"));
      expect(cfg, s.hostname).to.match(new RegExp(`^sslQuorum=${stage !== "accept"}$`, "m"));
    }
  };

  it("tls prefer -> on rolled by the roll Job's code at stage on (TLS, the secure port of old and new servers) under a writer: followers first, the leader last, one election, every acknowledged write read back", async () => {
    e.tlsStage = "on";
    const f = await rollUnderWriter(e, "/roll-prefer-on", rollThroughJob("on"));
    reportRoll("prefer -> on", f);
    expectOneElection(f, 3);
    expectStage("on");
  });

  it("tls on, a new pod template rolled by the roll Job's code over TLS under a writer: followers first, the leader last, one election, every acknowledged write read back", async () => {
    const f = await rollUnderWriter(e, "/roll-on", rollThroughJob("on"));
    reportRoll("tls on", f);
    expectOneElection(f, 3);
  });

  // Back down and up again: each one-stage change rolled by the Job of the new stage, the servers not
  // yet rolled still at the old one (the port rule: test/pure/tls-jobs.test.ts).
  for (const [from, to] of [
    ["on", "prefer"],
    ["prefer", "accept"],
    ["accept", "prefer"],
  ] as const) {
    it(`tls ${from} -> ${to} rolled by the roll Job's code at stage ${to} (${jobsDialTls(to) ? "TLS, the secure port" : "plaintext, the plaintext port"} of old and new servers) under a writer: the leader last, one election, every acknowledged write read back`, async () => {
      e.tlsStage = to;
      const f = await rollUnderWriter(e, `/roll-${from}-${to}`, rollThroughJob(to));
      reportRoll(`${from} -> ${to}`, f);
      expectOneElection(f, 3);
      expectStage(to);
    });
  }
});

describe("the tenants Job over TLS on real servers (3 servers, tls on, clientAuth digest)", function () {
  this.timeout(300000);
  const PASSWORDS = { kafka: "kafka-Pa55word-0123456789" };
  const TENANTS: TenantInput[] = [{ name: "kafka", quota: { nodes: 10 } }];
  let zk: LocalEnsemble;
  let pki: ReturnType<typeof givePki>;

  before(async () => {
    zk = new LocalEnsemble(
      { replicas: 3, clientAuth: { users: tenantJaasUsers(TENANTS, PASSWORDS) }, tenants: TENANTS, tls: { mode: "generated" } },
      TENANTS_ADDRESS_BASE,
    );
    pki = givePki(zk);
    zk.start();
    await zk.waitReady(undefined, WAIT);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && zk) console.error(zk.logTails(25));
  });
  after(async () => {
    await zk?.destroy();
  });

  it("the Job trusting another CA gets no session (exit 1) and creates nothing", async () => {
    const r = runTenantsJob(zk, TENANTS, { caFile: pki.otherCaFile });
    expect(r.status, r.out).to.equal(1);
    // Why, from the last connection: Node's verification of the server's chain against the CA given.
    expect(r.out).to.match(
      /tenants failed: connect to .*:2281.*: no answer within \d+ ms \(last connection error: zk-\d\.zk-hs\.[a-z-]+\.svc\.cluster\.local: .*certificate/,
    );
    expect(await asAdmin(zk, (c) => c.stat("/kafka"))).to.equal(null);
  });

  it("the Job (the bundled jobs.js, its environment rendered at tls on) provisions the tenant over the secure port, by the servers' FQDNs, trusting only the ensemble's CA: the chroot with its ACL and quota", async () => {
    const env = tenantsJobEnv(zk, TENANTS, { caFile: pki.caFile });
    expect(env[TENANTS_ENV.servers]).to.match(/^zk-0\.zk-hs\.[a-z-]+\.svc\.cluster\.local:2281,/);
    const r = runTenantsJob(zk, TENANTS, { caFile: pki.caFile });
    expect(r.status, r.out).to.equal(0);
    expect(r.out).to.contain("tenants: 1 declared, 1 changed");
    await asAdmin(zk, async (c) => {
      expect((await c.getAcl("/kafka")).acl).to.deep.equal([{ perms: 31, scheme: "sasl", id: "kafka" }]);
      expect((await c.read("/zookeeper/quota/kafka/zookeeper_limits")).data!.toString()).to.contain("countHardLimit=10");
    });
  });

  /** The tenant's Secret at tls on, and the JVM flags a client builds from it alone (its jaas.conf and ca.crt written to files). */
  function tenantClient(hostsFile: string) {
    const s = zk.settings;
    const servers = connectionString(serverFqdns(s.names, s.namespace, s.clusterDomain, s.replicas), PORTS.secureClient);
    const secret = tenantConnection(TENANTS[0], servers, PASSWORDS.kafka, pki.ca.certPem, true);
    const jaas = path.join(zk.root, "kafka-client-jaas.conf");
    const caFile = path.join(zk.root, "kafka-ca.crt");
    fs.writeFileSync(jaas, secret["jaas.conf"], { mode: 0o600 });
    fs.writeFileSync(caFile, secret["ca.crt"]!);
    const flags = [
      `-Djava.security.auth.login.config=${jaas}`,
      secret.jvmFlags,
      `-Dzookeeper.ssl.trustStore.location=${caFile}`,
      `-Djdk.net.hosts.file=${hostsFile}`,
      "-Xmx128m",
    ];
    return { secret, flags };
  }

  it("a tenant's Java client (zkCli.sh) configured only from the Secret's connectionString, jaas.conf, jvmFlags and ca.crt (as its trust store) works in its chroot over TLS", async () => {
    const { secret, flags } = tenantClient(zk.hostsFile);
    expect(secret.connectionString).to.match(/:2281\/kafka$/);
    const out = await zkCliSession(zk, secret.connectionString, flags, "create /from-java-tls javadata\nget /from-java-tls\nquit\n");
    expect(out, out).to.match(/\(CONNECTED\) \d+\] Created \/from-java-tls\n/);
    expect(out, out).to.match(/\] javadata\n/);
    await asAdmin(zk, async (c) => {
      expect((await c.read("/kafka/from-java-tls")).data!.toString()).to.equal("javadata");
    });
  });

  it("the same Java client verifies the server's name: a name the certificate does not carry, resolving to the same server, gets no session (the handshake fails)", async () => {
    const hostsFile = path.join(zk.root, "hosts-with-wrong-name");
    fs.writeFileSync(hostsFile, fs.readFileSync(zk.hostsFile, "utf8") + `${zk.servers[0].address} wrong-name.invalid\n`);
    const { flags } = tenantClient(hostsFile);
    const out = await zkCliSession(zk, `wrong-name.invalid:${PORTS.secureClient}/kafka`, flags, "ls /\nquit\n");
    expect(out, out).not.to.match(/\(CONNECTED\)/);
    // ZKTrustManager.performHostVerification: the address is in no certificate, then the name dialled is checked.
    expect(out, out).to.match(/Failed to verify hostname: wrong-name\.invalid/);
  });
});
