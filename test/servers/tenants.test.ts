// Tenants on real ZooKeeper 3.9.5: three servers from the rendered zoo.cfg (clientAuth digest, the
// tenants' enforceQuota line), start script and JAAS file (the tenants' users in it, as the
// component renders it), the tenants Job run as the pod runs it (plain `node` on the committed
// bundle, with the environment the program renders), and clients built from the tenant Secret's
// fields only: the bounded client for the chroot and ACL checks, the release's zkCli.sh (a Java
// client) from the Secret's connection string and JAAS section.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LocalEnsemble, LOCAL_ADMIN_PASSWORD } from "../../harness/zk-ensemble";
import { ADMIN_USER } from "../../components/zookeeper/users";
import { connectionString, serverFqdns } from "../../components/zookeeper/names";
import { PORTS } from "../../components/zookeeper/options";
import { tenantConnection, tenantJaasUsers, TenantInput, TenantConnection } from "../../components/zookeeper/tenants";
import { runTenantsJob } from "../../harness/tenants-job";
import { zkCliSession } from "../../harness/zk-cli";
import { readTenant, QUOTA_ROOT } from "../../zk/tenants";
import { OPEN_ACL, ZkClient, ZkError, AclEntry } from "../../zk/zk-client";

const ADDRESS_BASE = 250;
const PASSWORDS = { kafka: "kafka-Pa55word-0123456789", solr: "solr-Pa55word-0123456789" };
const TENANTS: TenantInput[] = [
  { name: "kafka", quota: { nodes: 4 } },
  { name: "solr", chroot: "/apps/solr", quota: { bytes: 64 } },
];

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "OK";
  } catch (e) {
    if (e instanceof ZkError) return e.code;
    throw e;
  }
}

describe("tenants on real servers (clientAuth digest, enforceQuota)", function () {
  this.timeout(180000);
  let zk: LocalEnsemble;
  let secrets: Record<string, TenantConnection>;

  before(async () => {
    zk = new LocalEnsemble({ replicas: 3, clientAuth: { users: tenantJaasUsers(TENANTS, PASSWORDS) }, tenants: TENANTS }, ADDRESS_BASE);
    zk.start();
    await zk.waitReady(undefined, 90000);
    const s = zk.settings;
    const servers = connectionString(serverFqdns(s.names, s.namespace, s.clusterDomain, s.replicas), PORTS.client);
    secrets = Object.fromEntries(TENANTS.map((t) => [t.name, tenantConnection(t, servers, PASSWORDS[t.name as keyof typeof PASSWORDS])]));
  });
  after(async () => {
    await zk?.destroy();
  });

  /** The Job's pod: plain node on the committed bundle, with the environment the program renders (the endpoint and password of this ensemble). */
  const runJob = (tenants: TenantInput[]) => runTenantsJob(zk, tenants);

  /**
   * A session as `user` on any server, caught up with the leader first: a new session on a follower
   * may not have seen the last writes of another session yet (ZooKeeper orders each session's view only).
   */
  const as = async (user: "kafka" | "solr" | typeof ADMIN_USER, chroot = "") => {
    const c = await ZkClient.open(zk.connect() + chroot, {
      connectMs: 8000,
      requestMs: 8000,
      sasl: { username: user, password: user === ADMIN_USER ? LOCAL_ADMIN_PASSWORD : PASSWORDS[user] },
    });
    await c.sync("/");
    return c;
  };

  async function withClient<T>(c: Promise<ZkClient>, fn: (c: ZkClient) => Promise<T>): Promise<T> {
    const client = await c;
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }

  it("the Job creates each chroot with an ACL naming only the tenant's user, sets its hard quota, and closes / and /zookeeper/quota", async () => {
    const run = runJob(TENANTS);
    expect(run.status, run.out).to.equal(0);
    expect(run.out).to.match(/tenant kafka: created \/kafka/);
    await withClient(as(ADMIN_USER), async (admin) => {
      const kafka = await readTenant(admin, "/kafka");
      expect(kafka.acl).to.deep.equal([{ perms: 31, scheme: "sasl", id: "kafka" }]);
      expect(kafka.limits).to.include({ countHardLimit: 4, byteHardLimit: -1 });
      expect(kafka.usage).to.include({ count: 1 });
      const solr = await readTenant(admin, "/apps/solr");
      expect(solr.acl).to.deep.equal([{ perms: 31, scheme: "sasl", id: "solr" }]);
      expect(solr.limits).to.include({ byteHardLimit: 64, countHardLimit: -1 });
      expect((await admin.getAcl("/")).acl).to.deep.include({ perms: 1, scheme: "world", id: "anyone" });
      expect((await admin.getAcl("/")).acl).to.have.length(2);
      expect((await admin.getAcl(QUOTA_ROOT)).acl).to.deep.include({ perms: 1, scheme: "world", id: "anyone" });
    });
  });

  it("a tenant writes, reads, lists and deletes in its own chroot, through a connection string with the chroot", async () => {
    await withClient(as("kafka", "/kafka"), async (kafka) => {
      await kafka.createNode("/brokers", Buffer.from("b"), OPEN_ACL);
      expect((await kafka.read("/brokers")).data!.toString()).to.equal("b");
      expect((await kafka.children("/")).children).to.deep.equal(["brokers"]);
      await kafka.remove("/brokers");
    });
    await withClient(as("solr", "/apps/solr"), async (solr) => {
      const own: AclEntry[] = [{ perms: 31, scheme: "sasl", id: "solr" }];
      await solr.createNode("/collections", Buffer.from("c"), own);
    });
    await withClient(as(ADMIN_USER), async (admin) => {
      expect((await admin.read("/apps/solr/collections")).data!.toString()).to.equal("c");
    });
  });

  it("a tenant can neither read, write, list nor delete in another tenant's chroot, nor write at / or delete a chroot", async () => {
    await withClient(as("kafka"), async (kafka) => {
      expect(await code(kafka.read("/apps/solr"))).to.equal("NO_AUTH");
      expect(await code(kafka.children("/apps/solr"))).to.equal("NO_AUTH");
      expect(await code(kafka.children("/apps"))).to.equal("NO_AUTH");
      expect(await code(kafka.setData("/apps/solr", Buffer.from("x")))).to.equal("NO_AUTH");
      expect(await code(kafka.createNode("/apps/solr/mine", null, OPEN_ACL))).to.equal("NO_AUTH");
      expect(await code(kafka.read("/apps/solr/collections"))).to.equal("NO_AUTH");
      expect(await code(kafka.remove("/apps/solr/collections"))).to.equal("NO_AUTH");
      expect(await code(kafka.createNode("/top", null, OPEN_ACL))).to.equal("NO_AUTH");
      expect(await code(kafka.setData("/", Buffer.from("x")))).to.equal("NO_AUTH");
      expect(await code(kafka.remove("/kafka"))).to.equal("NO_AUTH");
      expect(await code(kafka.createNode(`${QUOTA_ROOT}/kafka/zookeeper_limits2`, null, OPEN_ACL))).to.equal("NO_AUTH");
      expect(await code(kafka.setData(`${QUOTA_ROOT}/kafka/zookeeper_limits`, Buffer.from("count=-1,bytes=-1")))).to.equal("NO_AUTH");
    });
  });

  it("a limit of the tenants' own making: a child a tenant creates world-readable is readable by any authenticated user who knows its path", async () => {
    await withClient(as("solr", "/apps/solr"), (solr) => solr.createNode("/open", Buffer.from("o"), OPEN_ACL));
    await withClient(as("kafka"), async (kafka) => {
      expect((await kafka.read("/apps/solr/open")).data!.toString()).to.equal("o");
      expect(await code(kafka.children("/apps/solr"))).to.equal("NO_AUTH");
    });
  });

  it("an unauthenticated client is refused; a wrong password too", async () => {
    const anon = await ZkClient.open(zk.connect() + "/kafka", { connectMs: 8000, requestMs: 8000 });
    try {
      expect(await code(anon.read("/"))).to.equal("SASL_AUTH_REQUIRED");
    } finally {
      anon.close();
    }
    const wrong = await code(
      ZkClient.open(zk.connect(), { connectMs: 8000, requestMs: 8000, sasl: { username: "kafka", password: PASSWORDS.solr } }),
    );
    expect(wrong).to.equal("AUTH_FAILED");
  });

  it("the super user reads and writes in every chroot", async () => {
    await withClient(as(ADMIN_USER), async (admin) => {
      expect((await admin.read("/apps/solr/collections")).data!.toString()).to.equal("c");
      await admin.createNode("/kafka/by-admin", null, OPEN_ACL);
      await admin.remove("/kafka/by-admin");
    });
  });

  it("the quota stops writes past its limit: nodes (the chroot counts as one) and bytes", async () => {
    await withClient(as("kafka", "/kafka"), async (kafka) => {
      for (const n of ["a", "b", "c"]) await kafka.createNode(`/${n}`, null, OPEN_ACL);
      expect(await code(kafka.createNode("/d", null, OPEN_ACL))).to.equal("QUOTA_EXCEEDED");
      await kafka.remove("/c");
      await kafka.createNode("/d", null, OPEN_ACL);
    });
    await withClient(as("solr", "/apps/solr"), async (solr) => {
      // collections and open hold 2 bytes of 64: 60 + 1 fit, 64 + 1 do not.
      await solr.setData("/collections", Buffer.alloc(60, 1));
      expect(await code(solr.setData("/collections", Buffer.alloc(64, 1)))).to.equal("QUOTA_EXCEEDED");
      expect(await code(solr.createNode("/more", Buffer.alloc(10, 1), OPEN_ACL))).to.equal("QUOTA_EXCEEDED");
      expect((await solr.read("/collections")).data!.length).to.equal(60);
    });
  });

  it("run again, the Job changes nothing; after drift (an opened ACL, a lost usage znode, a changed limit) it converges back", async () => {
    const again = runJob(TENANTS);
    expect(again.status, again.out).to.equal(0);
    expect(again.out).to.match(/tenant kafka: as declared/);
    expect(again.out).to.match(/tenant solr: as declared/);
    expect(again.out).to.match(/2 declared, 0 changed/);
    await withClient(as(ADMIN_USER), async (admin) => {
      await admin.setAcl("/kafka", OPEN_ACL);
      await admin.remove(`${QUOTA_ROOT}/apps/solr/zookeeper_stats`);
      await admin.setAcl("/", OPEN_ACL);
    });
    const repaired = runJob([{ ...TENANTS[0], quota: { nodes: 10 } }, TENANTS[1]]);
    expect(repaired.status, repaired.out).to.equal(0);
    expect(repaired.out).to.match(/ACL of \/kafka set to sasl:kafka only/);
    expect(repaired.out).to.match(/quota changed \(10 nodes\)/);
    expect(repaired.out).to.match(/quota usage tracking restored/);
    await withClient(as(ADMIN_USER), async (admin) => {
      expect((await readTenant(admin, "/kafka")).acl).to.deep.equal([{ perms: 31, scheme: "sasl", id: "kafka" }]);
      // The server recomputed the usage when the stats znode came back: /apps/solr, collections (60 bytes), open (1 byte).
      expect((await readTenant(admin, "/apps/solr")).usage).to.include({ count: 3, bytes: 61 });
      expect((await admin.getAcl("/")).acl).to.have.length(2);
    });
    await withClient(as("kafka", "/kafka"), async (kafka) => {
      for (const n of ["e", "f"]) await kafka.createNode(`/${n}`, null, OPEN_ACL);
    });
  });

  it("a Java client (zkCli.sh) configured only from the Secret's connection string and JAAS section connects and works in the chroot", async () => {
    const secret = secrets.kafka;
    const jaas = path.join(zk.root, "kafka-client-jaas.conf");
    fs.writeFileSync(jaas, secret["jaas.conf"], { mode: 0o600 });
    const flags = [`-Djava.security.auth.login.config=${jaas}`, secret.jvmFlags, `-Djdk.net.hosts.file=${zk.hostsFile}`, "-Xmx128m"];
    const out = await zkCliSession(zk, secret.connectionString, flags, "sync /\ncreate /from-java javadata\nget /from-java\nls /\nquit\n");
    expect(out, out).to.match(/\(CONNECTED\) \d+\] Created \/from-java\n/);
    expect(out, out).to.match(/\] javadata\n/);
    expect(out, out).to.match(/\] \[a, b, d, e, f, from-java\]\n/);
    await withClient(as(ADMIN_USER), async (admin) => {
      expect((await admin.read("/kafka/from-java")).data!.toString()).to.equal("javadata");
    });
  });

  it("a retired tenant (deleteData) loses its chroot and quota; a tenant left out of the plan keeps its data", async () => {
    const run = runJob([{ ...TENANTS[0], deleteData: true }]);
    expect(run.status, run.out).to.equal(0);
    expect(run.out).to.match(/tenant kafka: deleted \/kafka \(\d+ znodes\); quota removed/);
    await withClient(as(ADMIN_USER), async (admin) => {
      expect(await admin.stat("/kafka")).to.equal(null);
      expect(await admin.stat(`${QUOTA_ROOT}/kafka/zookeeper_limits`)).to.equal(null);
      expect((await readTenant(admin, "/apps/solr")).exists).to.equal(true);
      expect((await admin.read("/apps/solr/collections")).data!.length).to.equal(60);
    });
    const again = runJob([{ ...TENANTS[0], deleteData: true }]);
    expect(again.status, again.out).to.equal(0);
    expect(again.out).to.match(/tenant kafka: as declared/);
  });
});
