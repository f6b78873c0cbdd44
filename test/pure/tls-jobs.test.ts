// Which client port the roll Job and the tenants Job dial at each TLS stage, and why that rule holds
// during a stage change, from the program's own renders: a running ensemble moves one stage per
// update (transitions.ts, the transition guard), and the roll Job runs while the servers not yet
// restarted still run the previous stage, so the port must be open to other pods on the servers of
// the stage and of both neighbours (zoocfg.ts renders which ports each stage opens, and where). And
// the Jobs' environment as jobs/roll.ts and jobs/tenants.ts read it. On real servers:
// test/servers/tls-jobs.test.ts.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveEnsemble, PORTS } from "../../components/zookeeper/options";
import { renderZooCfg } from "../../components/zookeeper/zoocfg";
import { TLS_STAGES, TlsStage, transitionProblems } from "../../components/zookeeper/transitions";
import { jobsServerAccess, tlsZooCfgLines } from "../../components/zookeeper/tls";
import { renderRollJob } from "../../components/zookeeper/roll-job";
import {
  renderTenantsJob,
  tenantConnection,
  TENANT_CLIENT_JVM_FLAGS,
  TENANT_CLIENT_TLS_JVM_FLAGS,
} from "../../components/zookeeper/tenants";
import { CLIENT_TLS_MIN_VERSION, JOB_TLS_ENV, SERVER_TLS_PROTOCOLS, jobsDialTls } from "../../zk/facts/tls-client";
import { ROLL_ENV } from "../../zk/facts/roll-env";
import { TENANTS_ENV } from "../../zk/facts/tenants";
import { readRollRun } from "../../jobs/roll";
import { readRun } from "../../jobs/tenants";
import { EnvError } from "../../jobs/job-env";
import { validateManifest } from "../../harness/schema";

/** Where each client port of a pod's server listens at a stage, as zoo.cfg says (no bind address: as in a pod). */
function clientPortsOf(stage: TlsStage): { plaintext: "all" | "loopback"; secure: boolean } {
  const s = resolveEnsemble(stage === "off" ? {} : { tls: { mode: "generated" }, tlsStage: stage });
  const cfg = renderZooCfg({
    serverFqdns: ["a", "b", "c"],
    tunables: s.zookeeper,
    ...(stage === "off" ? {} : { tls: { storeDir: "/tmp/zookeeper-tls", stage } }),
  }).split("\n");
  const address = cfg.find((l) => l.startsWith("clientPortAddress="))?.split("=")[1];
  expect(address === undefined || address === "127.0.0.1", `${stage}: clientPortAddress ${address}`).to.equal(true);
  expect(cfg, stage).to.include(`clientPort=${PORTS.client}`);
  return { plaintext: address === undefined ? "all" : "loopback", secure: cfg.includes(`secureClientPort=${PORTS.secureClient}`) };
}

/** Whether another pod reaches a server of `stage` on the port a Job dialling `tls` uses. */
function reaches(stage: TlsStage, tls: boolean): boolean {
  const ports = clientPortsOf(stage);
  return tls ? ports.secure : ports.plaintext === "all";
}

const neighbours = (stage: TlsStage) => {
  const i = TLS_STAGES.indexOf(stage);
  return [TLS_STAGES[i - 1], stage, TLS_STAGES[i + 1]].filter((s): s is TlsStage => s !== undefined);
};

describe("the roll and tenants Jobs' client port by TLS stage", () => {
  it("zoo.cfg by stage: the plaintext client port on every address at off, accept and prefer, on loopback only at on; the secure port from accept on", () => {
    expect(TLS_STAGES.map((stage) => clientPortsOf(stage))).to.deep.equal([
      { plaintext: "all", secure: false },
      { plaintext: "all", secure: true },
      { plaintext: "all", secure: true },
      { plaintext: "loopback", secure: true },
    ]);
  });

  it("a running ensemble moves one stage per update: transitionProblems (the transition guard's check) refuses every change of two or three stages", () => {
    for (const [i, from] of TLS_STAGES.entries()) {
      for (const [j, to] of TLS_STAGES.entries()) {
        const problems = transitionProblems(
          { tls: from, replicas: 3, membership: "static" },
          { tls: to, replicas: 3, membership: "static" },
        );
        expect(problems.length, `${from} -> ${to}`).to.equal(Math.abs(i - j) > 1 ? 1 : 0);
      }
    }
  });

  it("the rule (plaintext at off and accept, TLS at prefer and on) reaches the servers of the stage and of both neighbours, and is the only one that does", () => {
    for (const stage of TLS_STAGES) {
      const servers = neighbours(stage);
      const chosen = jobsDialTls(stage);
      for (const other of servers)
        expect(reaches(other, chosen), `a Job of ${stage} (tls ${chosen}) -> a server at ${other}`).to.equal(true);
      // The other choice fails on some neighbour: off has no secure port, on no plaintext port other pods reach.
      expect(
        servers.some((other) => !reaches(other, !chosen)),
        `${stage}: the other port would miss a server`,
      ).to.equal(true);
    }
    expect(TLS_STAGES.map(jobsDialTls)).to.deep.equal([false, false, true, true]);
  });

  it("the client's minimum protocol is the oldest the servers enable, and zoo.cfg enables exactly those", () => {
    expect(CLIENT_TLS_MIN_VERSION).to.equal("TLSv1.2");
    const lines = tlsZooCfgLines("/s");
    expect(lines).to.include(`ssl.enabledProtocols=${SERVER_TLS_PROTOCOLS.join(",")}`);
    expect(lines).to.include("ssl.clientAuth=none");
    expect(lines).to.include(`ssl.protocol=${SERVER_TLS_PROTOCOLS[0]}`);
  });

  it("jobsServerAccess: the plaintext port and nothing to mount at off and accept; at prefer and on the secure port, the CA's env and volume; a TLS stage without a Secret is an error, never plaintext", () => {
    for (const stage of ["off", "accept"] as const) {
      expect(jobsServerAccess(stage, "zk-tls-x")).to.deep.equal({ port: PORTS.client, portName: "client", tls: undefined });
    }
    for (const stage of ["prefer", "on"] as const) {
      const access = jobsServerAccess(stage, "zk-tls-x");
      expect(access.port).to.equal(PORTS.secureClient);
      expect(access.tls!.env).to.deep.equal([{ name: JOB_TLS_ENV.caFile, value: "/etc/zookeeper-ca/ca.crt" }]);
      expect(access.tls!.volumes[0].volume.secret).to.deep.equal({
        secretName: "zk-tls-x",
        items: [{ key: "ca.crt", path: "ca.crt" }],
        defaultMode: 0o444,
      });
      expect(() => jobsServerAccess(stage, undefined)).to.throw(/without a TLS Secret/);
    }
  });

  it("the rendered Jobs with TLS are valid against the upstream schema, and carry the CA's env and mount", () => {
    const s = resolveEnsemble({ tls: { mode: "generated" }, clientAuth: { users: [] }, tenants: [{ name: "kafka" }] });
    const access = jobsServerAccess("on", "zk-tls-x");
    const roll = renderRollJob(
      {
        namespace: s.namespace,
        names: s.names,
        replicas: 3,
        serversDomain: "zk-hs.zookeeper.svc.cluster.local",
        clientPort: access.port,
        tls: access.tls,
      },
      "digest",
      "zk-roll-code-x",
    );
    const tenants = renderTenantsJob(
      {
        namespace: s.namespace,
        names: s.names,
        tenants: s.tenants!,
        clientEndpoint: `zk-cs.zookeeper.svc.cluster.local:${access.port}`,
        admin: { username: "zkadmin", passwordSecret: { name: "zk-admin", key: "admin-password" } },
        tls: access.tls,
      },
      "zk-tenants-code-x",
    );
    for (const job of [roll, tenants]) {
      validateManifest(job);
      const container = job.spec.template.spec.containers[0];
      expect(container.env).to.deep.include({ name: JOB_TLS_ENV.caFile, value: "/etc/zookeeper-ca/ca.crt" });
      expect(container.volumeMounts).to.deep.include({ name: "zookeeper-ca", mountPath: "/etc/zookeeper-ca" });
    }
  });

  it("a tenant's connection on the secure port turns on the Java client's TLS (secure, Netty, a PEM trust store); on the plaintext port it does not", () => {
    const secure = tenantConnection({ name: "kafka" }, "zk-0.x:2281", "pw", "CA", true);
    expect(secure.jvmFlags).to.equal(
      `${TENANT_CLIENT_JVM_FLAGS} -Dzookeeper.client.secure=true -Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty -Dzookeeper.ssl.trustStore.type=PEM`,
    );
    expect(secure.jvmFlags).to.equal(`${TENANT_CLIENT_JVM_FLAGS} ${TENANT_CLIENT_TLS_JVM_FLAGS}`);
    expect(secure["ca.crt"]).to.equal("CA");
    expect(tenantConnection({ name: "kafka" }, "zk-0.x:2181", "pw", "CA").jvmFlags).to.equal(TENANT_CLIENT_JVM_FLAGS);
  });
});

describe("the Jobs' TLS environment (jobs/roll.ts, jobs/tenants.ts)", () => {
  let dir: string;
  let caFile: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-tls-env-"));
    caFile = path.join(dir, "ca.crt");
    fs.writeFileSync(caFile, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    fs.writeFileSync(path.join(dir, "empty.crt"), "");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const rollEnv = (extra: Record<string, string> = {}) => ({
    [ROLL_ENV.statefulSet]: "zk",
    [ROLL_ENV.namespace]: "zookeeper",
    [ROLL_ENV.replicas]: "3",
    [ROLL_ENV.selector]: "app=zk",
    [ROLL_ENV.serversDomain]: "zk-hs.zookeeper.svc.cluster.local",
    [ROLL_ENV.clientPort]: "2281",
    ...extra,
  });
  const access = () => ({ server: "http://127.0.0.1:1" });

  it("roll: with the CA file, TLS trusting that CA and each server verified by its FQDN, wherever ZK_ROLL_HOSTS (the tests' hook) dials it; without, plaintext", () => {
    const run = readRollRun(
      rollEnv({ [ROLL_ENV.tlsCaFile]: caFile, [ROLL_ENV.hosts]: "zk-1.zk-hs.zookeeper.svc.cluster.local=127.0.0.9" }),
      access,
    );
    expect(run.tls).to.deep.equal({ ca: fs.readFileSync(caFile, "utf8") });
    expect(run.clientPort).to.equal(2281);
    expect(run.hostOf(1)).to.equal("127.0.0.9");
    expect(run.serverNameOf!(1)).to.equal("zk-1.zk-hs.zookeeper.svc.cluster.local");
    expect(run.hostOf(0)).to.equal(run.serverNameOf!(0));
    const plain = readRollRun(rollEnv({ [ROLL_ENV.clientPort]: "2181" }), access);
    expect(plain.tls).to.equal(undefined);
  });

  it("roll and tenants: a CA file that cannot be read or holds no certificate is a bad environment (exit 2), never plaintext", () => {
    for (const bad of [path.join(dir, "missing.crt"), path.join(dir, "empty.crt")]) {
      expect(() => readRollRun(rollEnv({ [ROLL_ENV.tlsCaFile]: bad }), access), bad).to.throw(EnvError, /ZK_TLS_CA_FILE/);
      expect(
        () =>
          readRun({
            [TENANTS_ENV.plan]: "[]",
            [TENANTS_ENV.servers]: "zk-cs:2281",
            [TENANTS_ENV.saslUsername]: "zkadmin",
            [TENANTS_ENV.saslPassword]: "pw",
            [TENANTS_ENV.tlsCaFile]: bad,
          }),
        bad,
      ).to.throw(EnvError, /ZK_TLS_CA_FILE/);
    }
  });

  it("tenants: with the CA file TLS; ZK_HOSTS (the tests' hook) maps a host to the address dialled; without either, neither", () => {
    const base = {
      [TENANTS_ENV.plan]: "[]",
      [TENANTS_ENV.servers]: "zk-cs.zookeeper.svc.cluster.local:2281",
      [TENANTS_ENV.saslUsername]: "zkadmin",
      [TENANTS_ENV.saslPassword]: "pw",
    };
    const run = readRun({ ...base, [TENANTS_ENV.tlsCaFile]: caFile, [TENANTS_ENV.hosts]: "zk-cs.zookeeper.svc.cluster.local=127.0.0.9" });
    expect(run.tls).to.deep.equal({ ca: fs.readFileSync(caFile, "utf8") });
    expect(run.resolve!("zk-cs.zookeeper.svc.cluster.local")).to.equal("127.0.0.9");
    expect(run.resolve!("other")).to.equal("other");
    const plain = readRun(base);
    expect(plain.tls).to.equal(undefined);
    expect(plain.resolve).to.equal(undefined);
  });
});
