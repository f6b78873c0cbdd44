// `verify --stack` on a stack with tenants, on real ZooKeeper 3.9.5: three servers from the rendered
// files with clientAuth digest and the tenants' users, provisioned by the tenants Job's own code (the
// bundle, run with plain node), each pod reached through its own port-forward of a stand-in API
// server, the stack's outputs as the program exports them (adminPassword, tenantPlan). A tenant row
// per tenant while all is as declared; an ACL opened by hand or a quota changed by hand FAILs that
// tenant's row with what was found, what was declared, and the command that runs the Job again; the
// Job run again (what that command does) repairs it. (That `pulumi up --replace` deletes and recreates
// the Job is read from Pulumi's and pulumi-kubernetes' source, not run here: see docs/tenants.md.)
import { expect } from "chai";
import { LocalEnsemble, LOCAL_ADMIN_PASSWORD } from "../../harness/zk-ensemble";
import { healthyCluster, portForwardKubeconfig, startPortForwardStandIn, PortForwardStandIn } from "../../harness/port-forward";
import { asAdmin, renderedTenantsJob, runTenantsJob } from "../../harness/tenants-job";
import { tenantJaasUsers, tenantPlan, TenantInput } from "../../components/zookeeper/tenants";
import { OPEN_ACL, ZkClient } from "../../zk/zk-client";
import { QUOTA_ROOT } from "../../zk/tenants";
import { BOUNDS } from "../../zk/verify/bounds";
import { Report } from "../../zk/verify/types";
import { stackTarget } from "../../ops/lib/verify/stack-target";
import { verifyTarget } from "../../ops/lib/verify/stack-mode";
import { loadKubeconfig } from "../../ops/lib/verify/kube-reader";
import { openTunnel } from "../../ops/lib/verify/tunnel";
import { formatReport } from "../../ops/lib/verify/table";

const ADDRESS_BASE = 215;
const PASSWORDS = { kafka: "kafka-Pa55word-0123456789", solr: "solr-Pa55word-0123456789" };
const TENANTS: TenantInput[] = [
  { name: "kafka", quota: { nodes: 10 } },
  { name: "solr", chroot: "/apps/solr" },
  { name: "old", deleteData: true },
];
const JOB_URN = "urn:pulumi:dev::kind-zookeeper::kind-zookeeper:index:ZooKeeperEnsemble$kubernetes:batch/v1:Job::zookeeper-tenants";
const REPAIR = `npm run up -- --stack dev --replace '${JOB_URN}'`;

describe("verify --stack reports each tenant, and fails a drifted one (real servers, the tenants Job's code)", function () {
  this.timeout(180000);
  let zk: LocalEnsemble;
  let api: PortForwardStandIn;

  before(async () => {
    zk = new LocalEnsemble({ replicas: 3, clientAuth: { users: tenantJaasUsers(TENANTS, PASSWORDS) }, tenants: TENANTS }, ADDRESS_BASE);
    zk.start();
    api = await startPortForwardStandIn((pod) => zk.servers[Number(pod.split("-").pop())].address);
    await zk.waitReady(undefined, 90000);
    // A retired tenant's data, left from when it was live.
    await withAdmin(async (admin) => {
      await admin.createNode("/old", Buffer.from("x"), OPEN_ACL);
      await admin.createNode("/old/child", Buffer.from("y"), OPEN_ACL);
    });
    const run = runTenantsJob(zk, TENANTS);
    expect(run.status, run.out).to.equal(0);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(zk.logTails());
  });
  after(async () => {
    await api?.close();
    await zk?.destroy();
  });

  const withAdmin = <T>(fn: (c: ZkClient) => Promise<T>) => asAdmin(zk, fn);

  /** verify --stack's checks with the stack's outputs as the program exports them, each pod through its port-forward. */
  async function verifyStack(): Promise<Report> {
    const t = stackTarget("dev", {
      namespace: "zookeeper",
      serverFqdns: zk.servers.map((s) => s.fqdn),
      storageClassName: "zookeeper-data",
      kubeconfig: portForwardKubeconfig(api.url),
      adminPassword: LOCAL_ADMIN_PASSWORD,
      tenantPlan: JSON.parse(JSON.stringify({ jobUrn: JOB_URN, tenants: tenantPlan(TENANTS) })),
    });
    const kc = await loadKubeconfig(t);
    return verifyTarget(
      t,
      healthyCluster(3, (name) => openTunnel(kc, t.namespace, name, 2181)),
      BOUNDS,
    );
  }

  const tenantRow = (r: Report, name: string) => r.rows.find((row) => row.check === `tenant:${name}`);

  it("as declared: healthy, one ok row per tenant with its chroot, ACL, quota and size; the retired one's chroot deleted", async () => {
    const report = await verifyStack();
    const text = formatReport(report);
    expect(report.verdict.exitCode, text).to.equal(0);
    expect(tenantRow(report, "kafka")).to.deep.include({
      result: "ok",
      detail: "/kafka: ACL sasl:kafka:cdrwa; quota 10 nodes; size 1 znodes, 0 bytes",
    });
    expect(tenantRow(report, "solr")).to.deep.include({
      result: "ok",
      detail: "/apps/solr: ACL sasl:solr:cdrwa; no quota; size 0 children (without a quota the subtree is not counted)",
    });
    expect(tenantRow(report, "old")).to.deep.include({ result: "ok", detail: "retired: /old is deleted" });
    expect(text).to.match(/^tenant:kafka\s+-\s+ok\s+\/kafka: ACL sasl:kafka:cdrwa; quota 10 nodes; size 1 znodes, 0 bytes$/m);
  });

  it("a tenant near its quota: a warning naming its usage", async () => {
    const kafka = await ZkClient.open(zk.connect() + "/kafka", {
      connectMs: 8000,
      requestMs: 8000,
      sasl: { username: "kafka", password: PASSWORDS.kafka },
    });
    try {
      for (let i = 0; i < 8; i++) await kafka.createNode(`/n${i}`, Buffer.from("ab"), OPEN_ACL);
    } finally {
      kafka.close();
    }
    const report = await verifyStack();
    expect(report.verdict.exitCode, formatReport(report)).to.equal(0);
    expect(tenantRow(report, "kafka")).to.deep.include({
      result: "WARN",
      detail:
        "/kafka: ACL sasl:kafka:cdrwa; quota 10 nodes; size 9 znodes, 16 bytes; near its quota (9 of 10 nodes): writes past it are refused",
    });
  });

  it("an ACL opened to world:anyone and a quota changed by hand: degraded (exit 3), each row naming the tenant, what was found, what was declared, and the command that runs the Job again", async () => {
    await withAdmin(async (admin) => {
      await admin.setAcl("/apps/solr", OPEN_ACL);
      await admin.setData(`${QUOTA_ROOT}/kafka/zookeeper_limits`, Buffer.from("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=1000"));
    });
    const report = await verifyStack();
    const text = formatReport(report);
    expect(report.verdict.exitCode, text).to.equal(3);
    expect(tenantRow(report, "solr")).to.deep.include({
      result: "FAIL",
      detail: "ACL of /apps/solr is world:anyone:cdrwa, declared sasl:solr:cdrwa only",
      next: REPAIR,
    });
    expect(tenantRow(report, "kafka")).to.deep.include({
      result: "FAIL",
      detail: "quota of /kafka is 1000 nodes, declared 10 nodes",
      next: REPAIR,
    });
    const line = text.split("\n").find((l) => l.startsWith("tenant:solr"));
    expect(line).to.match(
      /^tenant:solr\s+-\s+FAIL\s+ACL of \/apps\/solr is world:anyone:cdrwa, declared sasl:solr:cdrwa only; next: npm run up -- /,
    );
    expect(line!.endsWith(`next: ${REPAIR}`)).to.equal(true);
    expect(report.verdict.reason).to.match(/2 check\(s\) fail: tenant:kafka, tenant:solr$/);
  });

  it("`pulumi up` with the same plan would not repair it: the Job's name (a digest of the plan) is unchanged, so nothing runs; the Job run again, as the replace does, converges and verify is healthy again", async () => {
    expect(renderedTenantsJob(zk, TENANTS).metadata.name).to.equal(
      renderedTenantsJob(zk, JSON.parse(JSON.stringify(TENANTS))).metadata.name,
    );
    const run = runTenantsJob(zk, TENANTS);
    expect(run.status, run.out).to.equal(0);
    expect(run.out).to.match(/tenant solr: ACL of \/apps\/solr set to sasl:solr only/);
    expect(run.out).to.match(/tenant kafka: quota changed \(10 nodes\)/);
    const report = await verifyStack();
    expect(report.verdict.exitCode, formatReport(report)).to.equal(0);
    expect(tenantRow(report, "solr")?.result).to.equal("ok");
  });

  it("a retired tenant's chroot back (created by hand) and a live tenant's chroot deleted: both FAIL", async () => {
    await withAdmin(async (admin) => {
      await admin.createNode("/old", null, OPEN_ACL);
      await admin.remove("/apps/solr");
    });
    const report = await verifyStack();
    expect(report.verdict.exitCode, formatReport(report)).to.equal(3);
    expect(tenantRow(report, "old")).to.deep.include({
      result: "FAIL",
      detail: "retired (deleteData), but /old still exists: its data was not deleted",
      next: REPAIR,
    });
    expect(tenantRow(report, "solr")).to.deep.include({ result: "FAIL", detail: "/apps/solr does not exist", next: REPAIR });
  });
});
