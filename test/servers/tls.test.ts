// TLS on real ZooKeeper servers (the fetched release, 3.9.5 unless ZK_VERSION names another; the
// cases say where 3.8.0 differed): the rendered zoo.cfg TLS lines and start script, zk-tls.sh
// assembling the stores from a Secret volume laid out as the kubelet lays it out, certificates made
// with openssl in the component's shape. What 3.8.0 does, read at apache/zookeeper release-3.8.0-1
// (zookeeper-server/src/main/java/org/apache/zookeeper/...):
// - common/X509Util.java: the accepting side of a quorum connection verifies the dialling peer's
//   certificate against the peer (QuorumX509Util.shouldVerifyClientHostname() is true, and
//   ssl.quorum.clientHostnameVerification, which turns that off, is "New in 3.9.4" per
//   zookeeperAdmin.md at release-3.9.5); ZKTrustManager checks the peer's IP address, then the name
//   a reverse lookup of it gives. The dialling side checks the accepting peer against the name it
//   dialled (the FQDN of zoo.cfg's server line), with no lookup.
// - server/NettyServerCnxnFactory.java: the secure client port takes its SSLContext from its own
//   ClientX509Util, which nothing reloads; client.certReload is new in 3.8.1 (zookeeperAdmin.md at
//   release-3.9.5: "New in 3.7.2, 3.8.1, 3.9.0"). sslQuorumReloadCertFiles reloads the quorum's
//   (QuorumPeerMain.runFromConfig -> X509Util.enableCertFileReloading), and the quorum and election
//   listeners (UnifiedServerSocket) wrap each accepted socket with the SSLContext current then.
// - common/X509Util.java: 3.8.0's default cipher suites (getGCMCiphers + getCBCCiphers) hold no
//   TLS 1.3 suite, so protocol=TLSv1.3 still negotiates TLS 1.2; 3.9 adds getTLSv13Ciphers().
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as net from "net";
import * as tls from "tls";
import * as crypto from "crypto";
import * as path from "path";
import { ChildProcess, execFile, execFileSync, spawn } from "child_process";
import { promisify } from "util";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { presented, serialOr, tcpReach } from "../../harness/tls-probe";
import { CertificateAuthority, IssuedCertificate, SecretVolume, issueCertificate, makeCa, secretData } from "../../harness/tls-certs";
import { MIN_TLS_VERSION, certificateNames, renderTlsScript } from "../../components/zookeeper/tls";
import { olderThan } from "../../components/zookeeper/versions";
import { zookeeperVersion } from "../../harness/zookeeper-release";
import { PORTS } from "../../components/zookeeper/options";
import { ZkClient } from "../../zk/zk-client";
import { onInterrupt } from "../../harness/interrupt";

/** 127.0.0.160-162: the ensemble; 163: the server with the pod's client ports; 169: an address no server binds. */
const ADDRESS_BASE = 160;
const POD_LAYOUT_ADDRESS_BASE = 163;
const UNUSED_ADDRESS = "127.0.0.169";
const SERVER_WAIT = 60000;
const run = promisify(execFile);
/** zk-tls.sh's look at the Secret every second (ZK_TLS_WATCH_SECONDS), instead of the pods' 30. */
const WATCH_SECONDS = "1";
/** X509Util's reload message ("Attempting to reset default SSL context") is a debug one (X509Util.handleWatchEvent at release-3.9.5). */
const X509_DEBUG = { "org.apache.zookeeper.common.X509Util": "DEBUG" };

/**
 * Whether the accepting side of a quorum connection checks the dialling server's address: before
 * 3.9.4 always; from 3.9.4 the rendered ssl.quorum.clientHostnameVerification=false turns it off
 * (MIN_TLS_VERSION, components/zookeeper/tls.ts).
 */
function quorumChecksDialler(): boolean {
  return olderThan(zookeeperVersion().split(".").map(Number), MIN_TLS_VERSION);
}

/**
 * The certificate's names: exactly the component's (certificateNames: the headless Service wildcard
 * and the client Service's names), as in the pod, plus IP 127.0.0.1 where the accepting side checks
 * the dialler's address (before 3.9.4). On 3.8.0 the accepting side of a quorum
 * connection verifies the dialling server by its source address (see the header). The servers'
 * outgoing sockets are not bound, so on loopback the kernel gives every one the source 127.0.0.1
 * (`ip route get 127.0.0.161`: "local ... src 127.0.0.1"), whose reverse lookup is "localhost": no
 * DNS name can match it. (In a pod the source is the pod IP, which no certificate names either: 3.8.0
 * then passes only through the reverse lookup, the path CVE-2026-24281 is about; from 3.9.4 the
 * rendered ssl.quorum.clientHostnameVerification=false turns the check off.) A test below shows the
 * servers' connections come from 127.0.0.1 and a certificate without the entry refused.
 */
function serverSans(zk: LocalEnsemble, ips = quorumChecksDialler() ? ["127.0.0.1"] : []): { dns: string[]; ips: string[] } {
  const s = zk.settings;
  return { dns: certificateNames(s.names, s.namespace, s.clusterDomain), ips };
}

/** A TLS connection with a client certificate: still open `ms` after the handshake ("kept"), or what ended it. */
function keptAfterHandshake(host: string, port: number, client: IssuedCertificate, ms: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, cert: client.certPem, key: client.keyPem, minVersion: "TLSv1.2" });
    let timer = setTimeout(() => finish("no TLS handshake within 5000 ms"), 5000);
    const finish = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish("kept"), ms);
    });
    socket.once("error", (e) => finish(`error: ${e.message}`));
    socket.once("close", () => finish("closed by the server"));
  });
}

/** The TLS protocol a server's port agrees on with a client offering 1.2 and 1.3 (and a certificate, for ports that require one). */
function negotiatedProtocol(host: string, port: number, client: IssuedCertificate): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      rejectUnauthorized: false,
      cert: client.certPem,
      key: client.keyPem,
      minVersion: "TLSv1.2",
      maxVersion: "TLSv1.3",
    });
    const timer = setTimeout(() => finish("no TLS handshake within 5000 ms"), 5000);
    const finish = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.once("secureConnect", () => finish(socket.getProtocol() ?? "unknown"));
    socket.once("error", (e) => finish(`error: ${e.message}`));
  });
}

/** Sends bytes and collects what comes back until the peer closes or the bound passes. */
function rawExchange(host: string, port: number, data: string, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, host);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString("latin1"));
    };
    const timer = setTimeout(finish, ms);
    socket.on("connect", () => socket.write(data));
    socket.on("data", (d) => chunks.push(d));
    socket.on("end", finish);
    socket.on("error", finish);
  });
}

/** zkCli.sh runs `java` as a child of bash: its whole process group is killed, never a name. */
const cliProcesses = new Set<ChildProcess>();
// Detached (a group of their own, so a test can kill a client with its JVM): Ctrl-C does not reach them.
onInterrupt(() => {
  for (const child of cliProcesses) killGroup(child);
});
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * The release's zkCli.sh as a TLS client (ZKClientConfig.SECURE_CLIENT "zookeeper.client.secure",
 * ZooKeeper.ZOOKEEPER_CLIENT_CNXN_SOCKET "zookeeper.clientCnxnSocket", ClientX509Util's prefix
 * "zookeeper.ssl." for the trust store, release-3.8.0-1). It trusts the ensemble's CA only and keeps
 * hostname verification on (the default), reaching the server by its FQDN through the harness's
 * hosts file as a pod reaches it by DNS. One command, bounded, its processes killed by group.
 */
function zkCliTls(
  zk: LocalEnsemble,
  caPath: string,
  server: string,
  command: string[],
  ms = 45000,
): Promise<{ code: number | null; out: string }> {
  const flags = [
    "-Dzookeeper.client.secure=true",
    "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
    `-Dzookeeper.ssl.trustStore.location=${caPath}`,
    "-Dzookeeper.ssl.trustStore.type=PEM",
    `-Djdk.net.hosts.file=${zk.hostsFile}`,
    "-Xmx128m",
  ];
  return new Promise((resolve) => {
    const child = spawn(path.join(zk.binDir, "zkCli.sh"), ["-server", server, "-waitforconnection", "-timeout", "15000", ...command], {
      env: { ...process.env, CLIENT_JVMFLAGS: flags.join(" "), JVMFLAGS: "" },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    cliProcesses.add(child);
    let out = "";
    child.stdout!.on("data", (d) => (out += d));
    child.stderr!.on("data", (d) => (out += d));
    const timer = setTimeout(() => killGroup(child), ms);
    child.once("close", (code) => {
      clearTimeout(timer);
      killGroup(child);
      cliProcesses.delete(child);
      resolve({ code, out });
    });
  });
}

function killClients(): void {
  for (const child of cliProcesses) killGroup(child);
  cliProcesses.clear();
}

/** "3.8.0" from srvr's "Zookeeper version: 3.8.0-...". */
async function serverVersion(zk: LocalEnsemble, ordinal: number): Promise<[number, number, number]> {
  const m = /^Zookeeper version: (\d+)\.(\d+)\.(\d+)/m.exec(await zk.fourLetterWord(ordinal, "srvr"));
  if (!m) throw new Error(`no version in srvr of server ${ordinal + 1}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** client.certReload: "New in 3.7.2, 3.8.1, 3.9.0" (zookeeperAdmin.md, apache/zookeeper release-3.9.5). */
function hasClientCertReload([major, minor, patch]: [number, number, number]): boolean {
  if (major !== 3) return major > 3;
  if (minor === 7) return patch >= 2;
  if (minor === 8) return patch >= 1;
  return minor > 8;
}

function logSince(zk: LocalEnsemble, ordinal: number, offset: number): string {
  const log = zk.servers[ordinal].log;
  return fs.existsSync(log) ? fs.readFileSync(log, "latin1").slice(offset) : "";
}

function logSize(zk: LocalEnsemble, ordinal: number): number {
  const log = zk.servers[ordinal].log;
  return fs.existsSync(log) ? fs.statSync(log).size : 0;
}

function since(t0: number): string {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

describe("zk-tls.sh watch on its own (the rendered script against a Secret volume, no server)", function () {
  this.timeout(60000);
  let dir: string;
  let ca: CertificateAuthority;
  let first: IssuedCertificate;
  let second: IssuedCertificate;
  let watcher: ChildProcess | undefined;
  let stderr = "";

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-tls-script-"));
    fs.writeFileSync(path.join(dir, "zk-tls.sh"), renderTlsScript(), { mode: 0o555 });
    ca = makeCa(path.join(dir, "pki"), "script-ca");
    first = issueCertificate(ca, path.join(dir, "pki"), { dns: ["zk.test"] }, "first");
    second = issueCertificate(ca, path.join(dir, "pki"), { dns: ["zk.test"] }, "second");
  });
  const forget = onInterrupt(() => {
    if (watcher) killGroup(watcher);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    if (watcher) killGroup(watcher);
    watcher = undefined;
  });
  after(() => {
    forget();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh Secret volume and store, assembled once, and `watch` looking every second. */
  async function startWatch(name: string): Promise<{ volume: SecretVolume; store: string }> {
    const volume = new SecretVolume(path.join(dir, name, "secret"));
    const store = path.join(dir, name, "store");
    volume.write(secretData(first, ca));
    const env = { ...process.env, ZK_TLS_SECRET_DIR: volume.dir, ZK_TLS_STORE_DIR: store, ZK_TLS_WATCH_SECONDS: "1" };
    await run("bash", [path.join(dir, "zk-tls.sh"), "assemble"], { env, timeout: 10000 });
    stderr = "";
    watcher = spawn("bash", [path.join(dir, "zk-tls.sh"), "watch"], { env, stdio: ["ignore", "ignore", "pipe"], detached: true });
    watcher.stderr!.on("data", (d) => (stderr += d));
    // Its first look at the Secret is done once the loop sleeps: only then may the Secret change.
    const pid = String(watcher.pid);
    await waitUntil("zk-tls.sh watch to take its first look", () => {
      try {
        execFileSync("pgrep", ["-P", pid, "-x", "sleep"], { stdio: "ignore" });
        return true;
      } catch {
        return false;
      }
    });
    return { volume, store };
  }

  async function waitUntil(what: string, check: () => boolean, ms = 8000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}; zk-tls.sh said: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const keystore = (store: string) => fs.readFileSync(path.join(store, "keystore.pem"), "utf8");
  const truststore = (store: string) => fs.readFileSync(path.join(store, "ca.pem"), "utf8");

  it("keeps watching through a Secret that lacks a key for a while (and says which), then builds the stores from the next whole Secret", async () => {
    const { volume, store } = await startWatch("missing-key");
    volume.write({ "tls.crt": second.certPem, "tls.key": second.keyPem });
    await waitUntil("the missing ca.crt to be reported", () => /ca\.crt is missing or empty/.test(stderr));
    await new Promise((r) => setTimeout(r, 2500));
    expect(watcher!.exitCode, `zk-tls.sh watch exited; it said: ${stderr}`).to.equal(null);
    expect(keystore(store)).to.equal(first.keyPem + first.certPem);
    volume.write(secretData(second, ca));
    await waitUntil("the stores to hold the second certificate", () => keystore(store) === second.keyPem + second.certPem);
    expect(truststore(store)).to.equal(ca.certPem);
    // zk-tls.sh says so after it renamed the stores into place: its line may reach us a moment later.
    await waitUntil("zk-tls.sh to say it rebuilt the stores", () =>
      stderr.includes("zk-tls: the TLS Secret changed; keystore and truststore rebuilt"),
    );
  });

  it("renames nothing into place when a build step fails (stand-in: a ca.crt that cannot be read), and builds at a later look once it can", async () => {
    const { volume, store } = await startWatch("failed-build");
    volume.write(secretData(second, ca), { unreadable: ["ca.crt"] });
    await waitUntil("a build to fail reading ca.crt", () => /ca\.crt: Is a directory/.test(stderr));
    await new Promise((r) => setTimeout(r, 1500));
    expect(keystore(store)).to.equal(first.keyPem + first.certPem);
    expect(truststore(store)).to.equal(ca.certPem);
    expect(stderr).to.not.contain("rebuilt");
    volume.write(secretData(second, ca));
    await waitUntil("the stores to hold the second certificate", () => keystore(store) === second.keyPem + second.certPem);
    expect(truststore(store)).to.equal(ca.certPem);
  });
});

describe("TLS on real ZooKeeper servers (the rendered zoo.cfg TLS lines and zk-tls.sh)", function () {
  this.timeout(180000);

  describe("a three-server ensemble with sslQuorum, each server's certificate from its own Secret volume", () => {
    let zk: LocalEnsemble;
    let ca: CertificateAuthority;
    let cert: IssuedCertificate;
    let volumes: SecretVolume[];
    let pki: string;
    const caPem = () => path.join(pki, "ensemble-ca.crt");
    /** The serial every secure client port presented just before the rotation. */
    let securePortBeforeRotation: string | undefined;

    before(() => {
      zk = new LocalEnsemble({ replicas: 3, tls: { mode: "generated" } }, ADDRESS_BASE);
      pki = path.join(zk.root, "pki");
      ca = makeCa(pki, "ensemble-ca");
      cert = issueCertificate(ca, pki, serverSans(zk));
      volumes = zk.servers.map((s) => new SecretVolume(s.tlsSecretDir!));
      for (const v of volumes) v.write(secretData(cert, ca));
      for (const s of zk.servers) zk.setServerEnv(s.ordinal, { ZK_TLS_WATCH_SECONDS: WATCH_SECONDS });
      zk.setLogLevels(X509_DEBUG);
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed" && zk) console.error(zk.logTails(30));
    });
    after(async () => {
      killClients();
      await zk?.destroy();
    });

    it("forms a quorum over TLS from a Secret volume assembled by zk-tls.sh: one leader, two followers, TLS handshakes between them, and the readiness and liveness probes pass", async () => {
      // The volume as the kubelet makes it: each key a symlink into ..data, itself a symlink to a timestamped directory.
      const secret = zk.servers[0].tlsSecretDir!;
      expect(fs.readlinkSync(path.join(secret, "tls.key"))).to.equal(path.join("..data", "tls.key"));
      expect(fs.readlinkSync(path.join(secret, "..data"))).to.match(/^\.\.\d{4}_/);
      expect(fs.readFileSync(path.join(secret, "tls.key"), "utf8")).to.contain("-----BEGIN PRIVATE KEY-----");

      const t0 = Date.now();
      zk.start();
      await zk.waitReady(undefined, SERVER_WAIT);
      console.log(`      quorum over TLS ready ${since(t0)} after start`);

      const modes = await Promise.all([0, 1, 2].map((i) => zk.mode(i)));
      expect(
        modes.filter((m) => m === "leader"),
        modes.join(","),
      ).to.have.length(1);
      expect(
        modes.filter((m) => m === "follower"),
        modes.join(","),
      ).to.have.length(2);
      for (const i of [0, 1, 2]) {
        expect((await zk.probe(i, "ready")).ok, `ready ${i}`).to.equal(true);
        expect((await zk.probe(i, "live")).ok, `live ${i}`).to.equal(true);
        // zk-tls.sh assemble: the key, then the certificate, in one PEM file; the CA beside it.
        const store = zk.servers[i].tlsStoreDir!;
        expect(fs.readFileSync(path.join(store, "keystore.pem"), "utf8")).to.equal(cert.keyPem + cert.certPem);
        expect(fs.readFileSync(path.join(store, "ca.pem"), "utf8")).to.equal(ca.certPem);
      }
      // QuorumCnxManager.initiateConnection logs each completed handshake of an election connection.
      const handshakes = [0, 1, 2].map((i) => /SSL handshake complete with/.test(logSince(zk, i, 0)));
      expect(handshakes.filter(Boolean).length, "servers that logged a TLS handshake of an election connection").to.be.at.least(2);
      // Every quorum listener speaks TLS only, with the ensemble's certificate.
      const leader = modes.indexOf("leader");
      for (const [i, port] of [
        [0, PORTS.leaderElection],
        [1, PORTS.leaderElection],
        [2, PORTS.leaderElection],
        [leader, PORTS.server],
      ]) {
        expect(serialOr(await presented(zk.servers[i].address, port, cert)), `server ${i + 1} port ${port}`).to.equal(cert.serial);
      }
    });

    it("a TLS client (the release's zkCli.sh over Netty, trusting only the ensemble's CA, hostname verification on) writes through one server's secure port 2281 and reads through another's", async () => {
      const t0 = Date.now();
      const nodePath = `/tls-${process.pid}-${Date.now()}`;
      const write = await zkCliTls(zk, caPem(), `${zk.servers[0].fqdn}:${PORTS.secureClient}`, ["create", nodePath, "written-over-tls"]);
      expect(write.out, write.out).to.contain(`Created ${nodePath}`);
      const read = await zkCliTls(zk, caPem(), `${zk.servers[2].fqdn}:${PORTS.secureClient}`, ["get", nodePath]);
      expect(read.out, read.out).to.match(/^written-over-tls$/m);
      const tlsHandshake = await presented(zk.servers[1].address, PORTS.secureClient);
      expect(tlsHandshake, JSON.stringify(tlsHandshake)).to.have.property("serial", cert.serial);
      // zoo.cfg enables TLS 1.3 and 1.2; 3.8.0 negotiates 1.2 (no TLS 1.3 suite in its default list, see the header).
      expect(["TLSv1.3", "TLSv1.2"]).to.include((tlsHandshake as { protocol: string }).protocol);
      console.log(
        `      TLS write and read in ${since(t0)}; the secure port negotiated ${(tlsHandshake as { protocol: string }).protocol}`,
      );
    });

    it("the secure client port and the election port negotiate TLS 1.3, as zoo.cfg's protocol lines ask (from 3.9; 3.8.0 has no TLS 1.3 cipher suites and negotiates 1.2)", async () => {
      const expected = olderThan(zookeeperVersion().split(".").map(Number), [3, 9, 0]) ? "TLSv1.2" : "TLSv1.3";
      for (const port of [PORTS.secureClient, PORTS.leaderElection]) {
        expect(await negotiatedProtocol(zk.servers[0].address, port, cert), `port ${port}`).to.equal(expected);
      }
    });

    it("a plaintext client gets no session at the secure port within 3 s, and a four-letter word there no answer, while the plaintext port answers", async () => {
      const address = zk.servers[0].address;
      const plaintext = await ZkClient.open(`${address}:${PORTS.secureClient}`, { connectMs: 3000 }).then(
        (c) => {
          c.close();
          return "session established";
        },
        (e: Error) => e.message,
      );
      expect(plaintext).to.not.equal("session established");
      const atSecure = await rawExchange(address, PORTS.secureClient, "srvr");
      expect(atSecure).to.not.match(/Mode:/);
      expect(await zk.mode(0)).to.be.oneOf(["leader", "follower"]);
    });

    it("with the harness's bind address, the plaintext client port listens only there: refused on 127.0.0.1 and on an address no server binds", async () => {
      // The harness binds each server's ports to its own 127.0.0.x (bindAddress; zoo.cfg clientPortAddress).
      expect(fs.readFileSync(path.join(zk.servers[0].confDir, "zoo.cfg"), "utf8")).to.match(
        new RegExp(`^clientPortAddress=${zk.servers[0].address}$`, "m"),
      );
      expect(await tcpReach(zk.servers[0].address, PORTS.client)).to.equal("open");
      expect(await tcpReach(UNUSED_ADDRESS, PORTS.client)).to.equal("refused");
      expect(await tcpReach(UNUSED_ADDRESS, PORTS.secureClient)).to.equal("refused");
    });

    it("on loopback the servers dial each other's quorum ports from 127.0.0.1; before 3.9.4 an election port refuses a certificate of the ensemble's CA without IP 127.0.0.1, logging the failed address check; from 3.9.4 it checks no address: the quorum formed from certificates naming no IP, as the pods' do", async () => {
      // The sources of the connections to the ensemble's quorum and election ports (ss: local, then peer).
      const { stdout } = await run("ss", ["-Htn", "state", "established"], { timeout: 5000 });
      const ours = new Set(zk.servers.map((s) => s.address));
      const sources = new Set<string>();
      // Java's sockets are IPv6 ones: an IPv4 address shows as [::ffff:127.0.0.1]:port.
      const hostPort = (a: string) => {
        const [, host, port] = /^\[?(?:::ffff:)?([^\]]*)\]?:(\d+)$/.exec(a) ?? [];
        return { host, port: Number(port) };
      };
      for (const line of stdout.split("\n").filter((l) => l.trim())) {
        const [local, peer] = line.trim().split(/\s+/).slice(-2).map(hostPort);
        if (ours.has(peer.host) && [PORTS.server, PORTS.leaderElection].includes(peer.port)) sources.add(local.host);
      }
      expect([...sources]).to.deep.equal(["127.0.0.1"]);
      // So an accepting server that checks the dialler checks a certificate against 127.0.0.1 (reverse
      // lookup: localhost). Our own connection comes from there too: the same check, with a
      // certificate of the ensemble's CA whose only difference is the missing IP entry.
      const withoutIp = issueCertificate(ca, pki, serverSans(zk, []), "no-ip");
      const offset = logSize(zk, 0);
      if (quorumChecksDialler()) {
        const refused = await presented(zk.servers[0].address, PORTS.leaderElection, withoutIp);
        // The server's refusal of our certificate reaches us as an alert or a reset.
        expect(refused, JSON.stringify(refused)).to.have.property("error");
        await zk.waitFor(
          "server 1 to log the failed address check",
          async () => /Failed to verify host address: 127\.0\.0\.1/.test(logSince(zk, 0, offset)),
          5000,
        );
      } else {
        // The pod's case: the servers' certificates name no IP (serverSans), the dialler's address is
        // in none, and the quorum formed (the first case); no server checked an address.
        expect(new crypto.X509Certificate(cert.certPem).subjectAltName ?? "").not.to.contain("IP Address");
        expect(await zk.leaders()).to.have.length(1);
        // TLS 1.3 finishes the client's handshake before the server has judged its certificate: a
        // refusal would come as an alert after it. The election port keeps our connection instead.
        expect(await keptAfterHandshake(zk.servers[0].address, PORTS.leaderElection, withoutIp, 2000)).to.equal("kept");
        // The same probe sees a refusal: a certificate of another CA is not kept.
        const stranger = makeCa(path.join(pki, "stranger"), "stranger-ca");
        const strangers = issueCertificate(stranger, path.join(pki, "stranger"), serverSans(zk, []), "stranger");
        expect(await keptAfterHandshake(zk.servers[0].address, PORTS.leaderElection, strangers, 2000)).not.to.equal("kept");
        for (const i of [0, 1, 2]) expect(logSince(zk, i, 0), `server ${i + 1}`).not.to.match(/Failed to verify host address/);
      }
      expect(serialOr(await presented(zk.servers[0].address, PORTS.leaderElection, cert))).to.equal(cert.serial);
    });

    it("a server whose certificate is from another CA never becomes a follower within 6 s (six ticks, several election rounds) while the other two keep serving, and joins once restarted with the ensemble's CA", async () => {
      await zk.allServing();
      await zk.stop([2]);
      const otherCa = makeCa(path.join(pki, "other"), "other-ca");
      const foreign = issueCertificate(otherCa, path.join(pki, "other"), serverSans(zk), "foreign");
      volumes[2].write(secretData(foreign, otherCa));
      const offsets = [0, 1, 2].map((i) => logSize(zk, i));
      zk.start([2]);
      let t0 = Date.now();
      let polls = 0;
      try {
        // The election listener opens after the client port (QuorumPeer.start: startServerCnxnFactory, then startLeaderElection).
        await zk.waitFor(
          "server 3's election port to present its certificate from the other CA",
          async () => serialOr(await presented(zk.servers[2].address, PORTS.leaderElection, foreign)) === foreign.serial,
          SERVER_WAIT,
        );
        t0 = Date.now();
        while (Date.now() - t0 < 6000) {
          const [mode2, ready0, ready1] = await Promise.all([zk.mode(2), zk.probe(0, "ready"), zk.probe(1, "ready")]);
          expect(mode2, `server 3 after ${since(t0)}`).to.not.be.oneOf(["follower", "leader"]);
          expect(ready0.ok && ready1.ok, `servers 1 and 2 ready after ${since(t0)}: ${ready0.output} ${ready1.output}`).to.equal(true);
          polls++;
          await new Promise((r) => setTimeout(r, 500));
        }
        const write = await zkCliTls(zk, caPem(), `${zk.servers[1].fqdn}:${PORTS.secureClient}`, [
          "create",
          `/tls-during-foreign-${Date.now()}`,
          "x",
        ]);
        expect(write.out, write.out).to.match(/Created \/tls-during-foreign/);
        // Why it stayed out: the handshakes failed certificate validation (PKIX) on one side or the other.
        const logs = [0, 1, 2].map((i) => logSince(zk, i, offsets[i])).join("\n");
        expect(logs).to.match(/PKIX path|unable to find valid certification path|certificate_unknown|unknown_ca|bad_certificate/);
        console.log(`      server 3 (other CA) stayed out for ${since(t0)} over ${polls} polls while 1 and 2 served`);
      } finally {
        // The ensemble's certificate again, whatever happened, for this case's end and the next cases.
        await zk.stop([2]);
        volumes[2].write(secretData(cert, ca));
      }

      const t1 = Date.now();
      zk.start([2]);
      await zk.waitReady([2], SERVER_WAIT);
      expect(await zk.mode(2)).to.be.oneOf(["follower", "leader"]);
      console.log(`      server 3 with the ensemble's CA joined ${since(t1)} after restart`);
    });

    it("a certificate rotated by a Secret volume update (..data swap) reaches the quorum ports: zk-tls.sh rebuilds the stores and each server's election port presents the new serial to new connections within 30 s", async () => {
      await zk.allServing();
      const rotated = issueCertificate(ca, pki, serverSans(zk), "rotated");
      expect(rotated.serial).to.not.equal(cert.serial);
      const offsets = [0, 1, 2].map((i) => logSize(zk, i));
      for (const i of [0, 1, 2]) {
        expect(serialOr(await presented(zk.servers[i].address, PORTS.leaderElection, cert))).to.equal(cert.serial);
        // Also a TLS connection to every secure client port before the rotation: its SSLContext is
        // made at the first one (X509Util.getDefaultSSLContextAndOptions), which the next case needs done.
        expect(serialOr(await presented(zk.servers[i].address, PORTS.secureClient))).to.equal(cert.serial);
      }
      securePortBeforeRotation = cert.serial;

      const t0 = Date.now();
      for (const v of volumes) v.write(secretData(rotated, ca));
      const seenAt: number[] = [];
      await zk.waitFor(
        "every election port to present the rotated certificate",
        async () => {
          for (const i of [0, 1, 2]) {
            if (
              seenAt[i] === undefined &&
              serialOr(await presented(zk.servers[i].address, PORTS.leaderElection, cert)) === rotated.serial
            ) {
              seenAt[i] = Date.now() - t0;
            }
          }
          return seenAt.filter((t) => t !== undefined).length === 3;
        },
        30000,
      );
      console.log(`      election ports presented the new serial after ${seenAt.map((t) => `${(t / 1000).toFixed(1)} s`).join(", ")}`);
      for (const i of [0, 1, 2]) {
        const store = zk.servers[i].tlsStoreDir!;
        expect(fs.readFileSync(path.join(store, "keystore.pem"), "utf8")).to.equal(rotated.keyPem + rotated.certPem);
        const log = logSince(zk, i, offsets[i]);
        expect(log, `server ${i + 1}`).to.contain("zk-tls: the TLS Secret changed; keystore and truststore rebuilt");
        // X509Util.handleWatchEvent: the rename into place is an ENTRY_CREATE of keystore.pem itself.
        expect(log, `server ${i + 1}`).to.match(
          /Attempting to reset default SSL context after receiving watch event: ENTRY_CREATE with context: keystore\.pem/,
        );
      }
      const leader = (await zk.leaders())[0];
      expect(serialOr(await presented(zk.servers[leader].address, PORTS.server, cert))).to.equal(rotated.serial);
      cert = rotated;
    });

    it("the secure client port presents the rotated certificate without a restart only where client.certReload exists (3.8.1+); on 3.8.0 it keeps presenting the certificate of its first TLS connection until the server restarts", async () => {
      await zk.allServing();
      const version = await serverVersion(zk, 0);
      const atSecurePort = await Promise.all(
        [0, 1, 2].map(async (i) => serialOr(await presented(zk.servers[i].address, PORTS.secureClient))),
      );
      if (hasClientCertReload(version)) {
        expect(atSecurePort).to.deep.equal([cert.serial, cert.serial, cert.serial]);
      } else {
        // 3.8.0: NettyServerCnxnFactory's ClientX509Util keeps the SSLContext made at the first connection.
        expect(securePortBeforeRotation, "the rotation case ran first").to.be.a("string");
        expect(atSecurePort, version.join(".")).to.deep.equal([0, 1, 2].map(() => securePortBeforeRotation));
        await zk.stop([0]);
        zk.start([0]);
        await zk.waitReady([0], SERVER_WAIT);
        expect(serialOr(await presented(zk.servers[0].address, PORTS.secureClient))).to.equal(cert.serial);
      }
      console.log(
        `      ZooKeeper ${version.join(".")}: secure ports presented ${atSecurePort.join(", ")} after the rotation to ${cert.serial}`,
      );
    });

    it("after the rotation, a leader killed with SIGKILL is replaced over new TLS connections between the servers that reloaded, and a TLS client writes and reads", async () => {
      await zk.allServing();
      const leader = (await zk.leaders())[0];
      const others = [0, 1, 2].filter((i) => i !== leader);
      const t0 = Date.now();
      await zk.stop([leader], "SIGKILL");
      await zk.waitReady(others, SERVER_WAIT);
      console.log(`      the two others elected a leader ${since(t0)} after the kill`);
      zk.start([leader]);
      await zk.waitReady(undefined, SERVER_WAIT);
      const nodePath = `/tls-after-rotation-${Date.now()}`;
      const write = await zkCliTls(zk, caPem(), `${zk.servers[others[0]].fqdn}:${PORTS.secureClient}`, ["create", nodePath, "rotated"]);
      expect(write.out, write.out).to.contain(`Created ${nodePath}`);
      const read = await zkCliTls(zk, caPem(), `${zk.servers[leader].fqdn}:${PORTS.secureClient}`, ["get", nodePath]);
      expect(read.out, read.out).to.match(/^rotated$/m);
    });

    // What the rendered ssl.quorum.allowReverseDnsLookup=false does, on the one path where a quorum
    // check looks the peer up: the accepting side's check of the dialler (ssl.quorum.clientHostnameVerification,
    // rendered false, turned on here only for this case). ZKTrustManager.performHostVerification
    // (apache/zookeeper release-3.9.5, common/ZKTrustManager.java) matches the dialler's IP, then,
    // only if allowReverseDnsLookup, the name a reverse lookup of it gives; the setting is new in
    // 3.9.5 (zookeeperAdmin.md), and before it the quorum always looked up (QuorumX509Util).
    it("ssl.quorum.allowReverseDnsLookup as rendered is read by the server: with the dialler check on, a certificate naming only localhost is refused from 127.0.0.1 with the rendered false (from 3.9.5) and kept with true (127.0.0.1 looks up to localhost)", async () => {
      await zk.allServing();
      const rendered = fs.readFileSync(path.join(zk.servers[0].confDir, "zoo.cfg"), "utf8");
      expect(rendered).to.match(/^ssl\.quorum\.allowReverseDnsLookup=false$/m);
      expect(rendered).to.match(/^ssl\.quorum\.clientHostnameVerification=false$/m);
      const localhostOnly = issueCertificate(ca, pki, { dns: ["localhost"], ips: [] }, "localhost-only");
      const readsTheSetting = !olderThan(zookeeperVersion().split(".").map(Number), [3, 9, 5]);
      const outcomes: Record<string, string> = {};
      try {
        for (const reverseDns of ["false", "true"]) {
          await zk.stop([0]);
          const cfg = rendered
            .replace(/^ssl\.quorum\.clientHostnameVerification=false$/m, "ssl.quorum.clientHostnameVerification=true")
            .replace(/^ssl\.quorum\.allowReverseDnsLookup=false$/m, `ssl.quorum.allowReverseDnsLookup=${reverseDns}`);
          fs.writeFileSync(path.join(zk.servers[0].confDir, "zoo.cfg"), cfg);
          zk.start([0]);
          await zk.waitFor(
            "server 1's election port to present its certificate",
            async () => serialOr(await presented(zk.servers[0].address, PORTS.leaderElection, cert)) === cert.serial,
            SERVER_WAIT,
          );
          outcomes[reverseDns] = await keptAfterHandshake(zk.servers[0].address, PORTS.leaderElection, localhostOnly, 2000);
        }
      } finally {
        await zk.stop([0]);
        fs.writeFileSync(path.join(zk.servers[0].confDir, "zoo.cfg"), rendered);
        zk.start([0]);
        await zk.waitReady([0], SERVER_WAIT);
      }
      expect(outcomes.true, "reverse DNS on").to.equal("kept");
      if (readsTheSetting) expect(outcomes.false, "reverse DNS off, as rendered").not.to.equal("kept");
      else expect(outcomes.false, `${zookeeperVersion()} has no such setting and always looks up`).to.equal("kept");
      const brief = (o: string) => o.split("\n")[0].replace(/^error: .*(alert [a-z ]+).*$/, "refused ($1)");
      console.log(
        `      ZooKeeper ${zookeeperVersion()}: localhost-only certificate with reverse DNS off: ${brief(outcomes.false)}; on: ${brief(outcomes.true)}`,
      );
    });
  });

  describe("one server with the pod's client ports (zoo.cfg rendered without a bind address)", () => {
    let zk: LocalEnsemble;
    let cert: IssuedCertificate;

    before(async () => {
      // 127.0.0.1:2181 is the pod's loopback: on a shared host it must be free, or the proof means nothing.
      for (const port of [PORTS.client, PORTS.secureClient]) {
        if ((await tcpReach("127.0.0.1", port)) === "open")
          throw new Error(`127.0.0.1:${port} is already in use on this host; this case needs it free`);
      }
      zk = new LocalEnsemble({ replicas: 1, tls: { mode: "generated" } }, POD_LAYOUT_ADDRESS_BASE, { clientPortsAsInPod: true });
      const pki = path.join(zk.root, "pki");
      const ca = makeCa(pki, "pod-ca");
      cert = issueCertificate(ca, pki, serverSans(zk));
      new SecretVolume(zk.servers[0].tlsSecretDir!).write(secretData(cert, ca));
      zk.start();
      await zk.waitReady(undefined, SERVER_WAIT);
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed" && zk) console.error(zk.logTails(30));
    });
    after(async () => {
      await zk?.destroy();
    });

    it("the plaintext client port listens on 127.0.0.1 only (refused at the server's own address and at any other), while the secure port answers TLS on every address", async () => {
      const cfg = fs.readFileSync(path.join(zk.servers[0].confDir, "zoo.cfg"), "utf8");
      expect(cfg).to.match(/^clientPortAddress=127\.0\.0\.1$/m);
      expect(cfg).to.match(/^secureClientPort=2281$/m);
      expect(cfg).to.not.match(/^secureClientPortAddress=/m);
      expect(await zk.mode(0)).to.equal("standalone");
      expect((await zk.probe(0, "ready")).ok).to.equal(true);
      expect((await zk.probe(0, "live")).ok).to.equal(true);

      const own = zk.servers[0].address;
      expect(await tcpReach("127.0.0.1", PORTS.client)).to.equal("open");
      expect(await tcpReach(own, PORTS.client), `${own}:${PORTS.client}`).to.equal("refused");
      expect(await tcpReach(UNUSED_ADDRESS, PORTS.client), `${UNUSED_ADDRESS}:${PORTS.client}`).to.equal("refused");
      for (const address of [own, UNUSED_ADDRESS, "127.0.0.1"]) {
        expect(serialOr(await presented(address, PORTS.secureClient)), `${address}:${PORTS.secureClient}`).to.equal(cert.serial);
      }
      // QuorumPeerConfig.parseProperties logs where each client port listens.
      const log = logSince(zk, 0, 0);
      expect(log).to.match(/clientPortAddress is 127\.0\.0\.1:2181/);
      expect(log).to.match(/secureClientPortAddress is 0\.0\.0\.0:2281/);
    });
  });
});
