// Changing tenants under a continuous writer, on real ZooKeeper 3.9.5 (three servers from the rendered
// files, clientAuth digest), the way one `pulumi up` applies each change: a change of the live
// tenants changes the JAAS file, which a server reads only at start, so the StatefulSet rolls the
// servers one at a time (highest ordinal first, each Ready before the next: SIGTERM, the new file,
// start); then the tenants Job (its bundled code, plain node) runs. A change of quota alone rolls
// nothing. Adding, changing and removing (deleteData) tenants loses no acknowledged write, read back
// through every server. Then the Job killed (SIGKILL) midway through a plan of many tenants, run
// again, converges, and a third run changes nothing.
import { expect } from "chai";
import { LocalEnsemble, LOCAL_ADMIN_PASSWORD } from "../../harness/zk-ensemble";
import { asAdmin, runTenantsJob, runTenantsJobUntil } from "../../harness/tenants-job";
import { quickWriterOptions } from "../../harness/quick-writer";
import { ContinuousWriter } from "../../zk/writer";
import { ADMIN_USER } from "../../components/zookeeper/users";
import { tenantJaasUsers, TenantInput } from "../../components/zookeeper/tenants";
import { OPEN_ACL, ZkClient } from "../../zk/zk-client";
import { readTenant } from "../../zk/tenants";

const ADDRESS_BASE = 218;
const WAIT = 60000;
const PASSWORDS: Record<string, string> = { kafka: "kafka-Pa55word-0123456789", solr: "solr-Pa55word-0123456789" };

describe("tenants added, changed and removed under a writer, with the roll the JAAS change needs (real servers)", function () {
  this.timeout(600000);
  let zk: LocalEnsemble;
  let writer: ContinuousWriter | undefined;
  const rolls: string[] = [];

  before(async () => {
    const first: TenantInput[] = [{ name: "kafka", quota: { nodes: 100 } }];
    zk = new LocalEnsemble({ replicas: 3, clientAuth: { users: tenantJaasUsers(first, PASSWORDS) }, tenants: first }, ADDRESS_BASE);
    zk.start();
    await zk.waitReady(undefined, 90000);
    const run = runTenantsJob(zk, first);
    expect(run.status, run.out).to.equal(0);
    writer = await ContinuousWriter.start({
      ...quickWriterOptions(zk.connect(), "/writes"),
      sasl: { username: ADMIN_USER, password: LOCAL_ADMIN_PASSWORD },
    });
    await zk.waitFor("the writer to write", async () => writer!.acknowledged > 10, WAIT);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(rolls.join("\n") + "\n" + zk.logTails(25));
  });
  after(async () => {
    await writer?.stop();
    await zk?.destroy();
  });

  /** The StatefulSet's rolling update for a new JAAS Secret: highest ordinal first, each server Ready before the next. */
  async function roll(tenants: TenantInput[]): Promise<void> {
    for (const i of [2, 1, 0]) {
      const before = writer!.acknowledged;
      await zk.stop([i], "SIGTERM");
      zk.writeAuthFile(i, tenantJaasUsers(tenants, PASSWORDS));
      zk.start([i]);
      await zk.waitReady([i], WAIT);
      rolls.push(`zk-${i} rolled; writes acknowledged meanwhile: ${writer!.acknowledged - before}`);
    }
  }

  /** A tenant's session through one server only, with the tenant's chroot. */
  const tenantOn = (ordinal: number, name: string, chroot: string) =>
    ZkClient.open(zk.connect([ordinal]) + chroot, {
      connectMs: 8000,
      requestMs: 8000,
      sasl: { username: name, password: PASSWORDS[name] },
    });

  const withAdmin = <T>(fn: (c: ZkClient) => Promise<T>) => asAdmin(zk, fn);

  it("adding a tenant: the roll gives every server its user, then the Job makes its chroot, ACL and quota; it logs in and writes through each server", async () => {
    const tenants: TenantInput[] = [
      { name: "kafka", quota: { nodes: 100 } },
      { name: "solr", chroot: "/apps/solr", quota: { bytes: 1000 } },
    ];
    await roll(tenants);
    const run = runTenantsJob(zk, tenants);
    expect(run.status, run.out).to.equal(0);
    expect(run.out).to.match(/tenant solr: created \/apps\/solr/);
    expect(run.out).to.match(/tenant kafka: as declared/);
    for (const i of [0, 1, 2]) {
      const solr = await tenantOn(i, "solr", "/apps/solr");
      try {
        await solr.createNode(`/from-${i}`, Buffer.from("s"), [{ perms: 31, scheme: "sasl", id: "solr" }]);
      } finally {
        solr.close();
      }
    }
    await withAdmin(async (admin) => {
      expect((await readTenant(admin, "/apps/solr")).limits).to.include({ byteHardLimit: 1000 });
      expect((await admin.children("/apps/solr")).children.sort()).to.deep.equal(["from-0", "from-1", "from-2"]);
    });
  });

  it("changing a quota: the Job alone (no roll) rewrites the limit, and the tenant's writes past it are refused", async () => {
    const tenants: TenantInput[] = [
      { name: "kafka", quota: { nodes: 3 } },
      { name: "solr", chroot: "/apps/solr", quota: { bytes: 1000 } },
    ];
    const run = runTenantsJob(zk, tenants);
    expect(run.status, run.out).to.equal(0);
    expect(run.out).to.match(/tenant kafka: quota changed \(3 nodes\)/);
    const kafka = await tenantOn(0, "kafka", "/kafka");
    try {
      await kafka.createNode("/a", null, OPEN_ACL);
      await kafka.createNode("/b", null, OPEN_ACL);
      const refused = await kafka.createNode("/c", null, OPEN_ACL).then(
        () => "OK",
        (e) => (e as { code?: string }).code,
      );
      expect(refused).to.equal("QUOTA_EXCEEDED");
    } finally {
      kafka.close();
    }
  });

  it("removing a tenant with deleteData: the roll takes its user away (its login is refused on every server), then the Job deletes its chroot; the other tenant keeps its data", async () => {
    const tenants: TenantInput[] = [
      { name: "kafka", quota: { nodes: 3 } },
      { name: "solr", chroot: "/apps/solr", quota: { bytes: 1000 }, deleteData: true },
    ];
    await roll(tenants);
    const run = runTenantsJob(zk, tenants);
    expect(run.status, run.out).to.equal(0);
    expect(run.out).to.match(/tenant solr: deleted \/apps\/solr \(4 znodes\); quota removed/);
    for (const i of [0, 1, 2]) {
      const login = await tenantOn(i, "solr", "").then(
        (c) => (c.close(), "OK"),
        (e) => (e as { code?: string }).code,
      );
      expect(login, `solr's login on zk-${i}`).to.equal("AUTH_FAILED");
    }
    await withAdmin(async (admin) => {
      expect(await admin.stat("/apps/solr")).to.equal(null);
      expect((await admin.children("/kafka")).children.sort()).to.deep.equal(["a", "b"]);
    });
  });

  it("no acknowledged write was lost, read back through every server", async () => {
    const w = writer!;
    writer = undefined;
    const report = await w.stop();
    expect(report.acknowledged).to.be.greaterThan(50);
    for (const i of [0, 1, 2]) expect((await w.readBack(zk.connect([i]))).lost, `writes missing on zk-${i}`).to.deep.equal([]);
    console.log(
      `      writer: ${report.acknowledged} acknowledged, none lost on zk-0..2; longest gap ${report.longestGapMs} ms; ${rolls.length} restarts`,
    );
  });

  it("the Job killed (SIGKILL) midway through a plan of many tenants, run again, converges; a third run changes nothing", async () => {
    const many: TenantInput[] = Array.from({ length: 30 }, (_, i) => ({ name: `t${i}`, chroot: `/many/t${i}`, quota: { nodes: 10 + i } }));
    const killed = await runTenantsJobUntil(zk, many, /tenant t4: /);
    expect(killed.killed, killed.output).to.equal(true);
    expect(killed.output).not.to.match(/tenants: \d+ declared/);
    const done = await withAdmin(async (admin) => {
      const states = await Promise.all(many.map((t) => readTenant(admin, t.chroot!)));
      return states.filter((s) => s.exists && s.limits?.countHardLimit !== undefined).length;
    });
    expect(done, "some tenants done, not all").to.be.greaterThan(0).and.lessThan(many.length);

    const again = runTenantsJob(zk, many);
    expect(again.status, again.out).to.equal(0);
    await withAdmin(async (admin) => {
      for (const [i, t] of many.entries()) {
        const state = await readTenant(admin, t.chroot!);
        expect(state.acl, t.name).to.deep.equal([{ perms: 31, scheme: "sasl", id: t.name }]);
        expect(state.limits, t.name).to.include({ countHardLimit: 10 + i });
        expect(state.usage, t.name).to.include({ count: 1 });
      }
    });
    const third = runTenantsJob(zk, many);
    expect(third.status, third.out).to.equal(0);
    expect(third.out).to.match(/tenants: 30 declared, 0 changed/);
    console.log(`      killed after ${done} of 30 tenants were done; the second run finished them, the third changed nothing`);
  });
});
