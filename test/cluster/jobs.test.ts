// The cluster tier, the Jobs that change a live ensemble, running their own code under the real
// engine: the dev stack with clientAuth digest and tenants, on a Kubernetes 1.36 control plane
// under the real Pulumi CLI and pulumi-kubernetes, where each server pod is a real ZooKeeper 3.9
// server on loopback (started for the pod the StatefulSet made, with the JAAS Secret that pod
// mounts, stopped when the pod is deleted) and each Job's pod runs the code of the ConfigMap it
// mounts, with its ServiceAccount's token, so the API server's RBAC judges the roll Job's requests
// (harness/pod-stand-ins.ts). `pulumi up` waits for each Job as pulumi-kubernetes awaits a Job,
// so what it reports is what the code did.
import { expect } from "chai";
import { kindStack, requireClusterTier, stackFileStrings, tierEnv, TierEnv } from "../../harness/cluster-tier";
import { ControlPlane } from "../../harness/control-plane";
import { JobRun, PodStandIns } from "../../harness/pod-stand-ins";
import { JOB_CA_MOUNT, JOB_TLS_ENV } from "../../zk/facts/tls-client";
import { ROLL_ENV } from "../../zk/facts/roll-env";
import { TENANTS_ENV } from "../../zk/facts/tenants";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { ThrowawayStack } from "../../e2e/stack";
import { PORTS } from "../../components/zookeeper/options";
import { ADMIN_USER } from "../../components/zookeeper/users";
import type { TenantInput } from "../../components/zookeeper/tenants";
import { readTenant } from "../../zk/tenants";
import { AclEntry, OPEN_ACL, ZkClient } from "../../zk/zk-client";

const ADDRESS_BASE = 44;
const UP_MS = 8 * 60 * 1000;
const KAFKA: TenantInput = { name: "kafka", quota: { nodes: 100 } };
const SOLR: TenantInput = { name: "solr", chroot: "/apps/solr" };
const HBASE: TenantInput = { name: "hbase" };
const own = (user: string): AclEntry[] => [{ perms: 31, scheme: "sasl", id: user }];

describe("cluster tier: the tenants and roll Jobs run their own code under the real engine, against real servers behind the pods", function () {
  this.timeout(25 * 60 * 1000);
  let tier: TierEnv | undefined;
  let plane: ControlPlane | undefined;
  let stack: ThrowawayStack | undefined;
  let zk: LocalEnsemble | undefined;
  let pods: PodStandIns | undefined;
  const settings: Record<string, string> = { ...stackFileStrings("dev"), clientAuth: "digest", tenants: JSON.stringify([KAFKA]) };

  /** The Secret's one key, as the API server holds it. */
  async function secretValue(name: string, key: string): Promise<string> {
    const secret = (await plane!.get("secret", name, zk!.settings.namespace)) as { data: Record<string, string> };
    return Buffer.from(secret.data[key], "base64").toString("utf8");
  }

  /** A session as the user, on every server, caught up with the leader first. */
  async function as<T>(user: string, password: string, chroot: string, fn: (c: ZkClient) => Promise<T>): Promise<T> {
    const client = await ZkClient.open(zk!.connect() + chroot, { connectMs: 8000, requestMs: 8000, sasl: { username: user, password } });
    try {
      await client.sync("/");
      return await fn(client);
    } finally {
      client.close();
    }
  }
  const asAdmin = async <T>(fn: (c: ZkClient) => Promise<T>) =>
    as(ADMIN_USER, await secretValue(zk!.settings.names.adminSecret, "admin-password"), "", fn);

  /** The Jobs the API server holds, by name without the digest, with their succeeded count. */
  async function jobs(): Promise<string[]> {
    const held = await plane!.list("jobs", zk!.settings.namespace);
    return held.map((j) => `${j.metadata.name.replace(/-[0-9a-f]{10}$/, "")}:${j.status?.succeeded ?? 0}`).sort();
  }

  /**
   * The Job ran with the CA file and the secure client port (TLS only: a job given the CA never
   * falls back to plaintext), and its code succeeded: so it spoke TLS to the servers.
   */
  function expectOverTls(run: JobRun): void {
    expect(run.exitCode, run.output).to.equal(0);
    expect(run.env[JOB_TLS_ENV.caFile], `${run.job}: the CA file`).to.equal(`${JOB_CA_MOUNT.dir}/${JOB_CA_MOUNT.file}`);
    const port = run.job === "roll" ? run.env[ROLL_ENV.clientPort] : run.env[TENANTS_ENV.servers];
    expect(port, `${run.job}: the port it dials`).to.contain(String(PORTS.secureClient));
  }

  /** Each server's epoch (the leader's zxid >> 32, as srvr reports it). */
  async function epoch(): Promise<number> {
    const leader = (await zk!.leaders())[0];
    const zxid = /^Zxid: (0x[0-9a-f]+)$/m.exec(await zk!.fourLetterWord(leader, "srvr"))![1];
    return Number(BigInt(zxid) >> 32n);
  }

  before(async function () {
    requireClusterTier(this);
    tier = tierEnv();
    // The servers the pods stand for, rendered from the same settings; started by the stand-ins as their pods are made.
    // Made with TLS: each server runs at the TLS stage of its pod's zoo.cfg, with the pod's TLS Secret.
    zk = new LocalEnsemble(
      { replicas: Number(settings.replicas), clientAuth: { users: [] }, tenants: [KAFKA], tls: { mode: "generated" } },
      ADDRESS_BASE,
    );
    ({ plane, stack } = await kindStack(tier, settings, Number(settings.replicas), {
      standIns: { serverPods: { key: "app", value: zk.settings.names.appLabel } },
    }));
    pods = await PodStandIns.start(plane, zk.settings.namespace, zk);
  });

  after(async () => {
    // No destroy (the dev and prod suites prove it): the control plane goes whole, the stack's state with cleanup().
    stack?.cleanup();
    await pods?.stop();
    await zk?.destroy();
    await plane?.stop();
    tier?.restore();
  });

  afterEach(function () {
    if (this.currentTest?.state === "failed" && pods) {
      console.log(`      (stand-in events: ${pods.events.join("; ")})`);
      for (const r of pods.jobRuns) console.log(`      (job ${r.pod} exit ${r.exitCode}:\n${r.output})`);
      console.log(zk?.logTails(8));
    }
  });

  it("the first up: the roll Job's code finds every server new and restarts nothing; the tenants Job's code makes kafka's chroot, ACL and quota", async () => {
    await stack!.up(UP_MS);
    expect(await jobs()).to.deep.equal(["zk-roll:1", "zk-tenants:1"]);
    const [roll] = pods!.runsOf("roll");
    expect(roll.exitCode, roll.output).to.equal(0);
    expect(roll.output).to.match(/restarted nothing/);
    expect(pods!.events.filter((e) => e.startsWith("stop "))).to.deep.equal([]);
    const [tenants] = pods!.runsOf("tenants");
    expect(tenants.exitCode, tenants.output).to.equal(0);
    expect(tenants.output).to.match(/tenant kafka: created \/kafka/);
    const kafka = await asAdmin((admin) => readTenant(admin, "/kafka"));
    expect(kafka.acl).to.deep.equal(own("kafka"));
    expect(kafka.limits).to.include({ countHardLimit: 100 });
  });

  it("the tenant's Secret logs in as the tenant, into its chroot", async () => {
    const user = await secretValue("zk-tenant-kafka", "user");
    const password = await secretValue("zk-tenant-kafka", "password");
    expect(await secretValue("zk-tenant-kafka", "connectionString")).to.match(/:2181\/kafka$/);
    await as(user, password, "/kafka", async (kafka) => {
      await kafka.createNode("/brokers", Buffer.from("b"), own("kafka"));
      expect((await kafka.children("/")).children).to.deep.equal(["brokers"]);
    });
  });

  /**
   * Runs `change` (ups that roll the servers once) and checks the roll as the servers saw it: each
   * server pod deleted once, the leader's last, and one election (the leader's epoch grew by one).
   */
  async function rollsOnce(change: () => Promise<void>): Promise<void> {
    const leader = (await zk!.leaders())[0];
    const epochBefore = await epoch();
    const stopsBefore = pods!.events.filter((e) => e.startsWith("stop ")).length;
    await change();
    const stops = pods!.events.filter((e) => e.startsWith("stop ")).slice(stopsBefore);
    expect(stops, "each server pod deleted once, the leader's last").to.have.length(3);
    expect(stops.at(-1)).to.equal(`stop zk-${leader}`);
    expect((await epoch()) - epochBefore, "elections (the epoch grew by)").to.equal(1);
    const roll = pods!.runsOf("roll").at(-1)!;
    expect(roll.exitCode, roll.output).to.equal(0);
    expect(await jobs()).to.deep.equal(["zk-roll:1", "zk-tenants:1"]);
  }

  it("tls accept and a second tenant in one up: the roll Job's code rolls the servers through the API server (plaintext), then solr's chroot is made and solr logs in with the new JAAS file", async () => {
    await stack!.setConfig("tenants", JSON.stringify([KAFKA, SOLR]));
    await stack!.setConfig("tls", "accept");
    const plan = await stack!.preview(UP_MS);
    expect(plan.steps).to.include({ "kubernetes:apps/v1:StatefulSet::zookeeper-statefulset": "update" });
    // Both Jobs are replaced, deleteBeforeReplace (the finished Job is deleted as a step of its own;
    // a preview lists the steps in no set order; the last case shows the deletion comes first).
    for (const job of ["roll", "tenants"]) {
      expect(plan.ops[`kubernetes:batch/v1:Job::zookeeper-${job}`], job).to.have.members([
        "delete-replaced",
        "replace",
        "create-replacement",
      ]);
    }
    await rollsOnce(() => stack!.up(UP_MS));
    const solr = await asAdmin((admin) => readTenant(admin, "/apps/solr"));
    expect(solr.acl).to.deep.equal(own("solr"));
    await as("solr", await secretValue("zk-tenant-solr", "password"), "/apps/solr", async (c) => {
      await c.createNode("/collections", Buffer.from("c"), own("solr"));
    });
  });

  it("tls prefer, the roll refused by the API server (its Role lost delete by hand): pulumi up fails with the Job's own words; pulumi up --refresh puts the Role back and the new Job rolls every server over TLS", async () => {
    const stops = pods!.events.filter((e) => e.startsWith("stop ")).length;
    await rollsOnce(async () => {
      await plane!.kubectl([
        "patch",
        "role",
        "zk-roll",
        "-n",
        zk!.settings.namespace,
        "--type=json",
        "-p",
        '[{"op":"remove","path":"/rules/2"}]',
      ]);
      await stack!.setConfig("tls", "prefer");
      const failure = await stack!.up(UP_MS).then(
        () => "the up succeeded",
        (e: Error) => e.message,
      );
      // The termination message (FallbackToLogsOnError), as pulumi-kubernetes reports the failed Job.
      expect(failure).to.match(
        /\[Error\] .*roll failed: DELETE \/api\/v1\/namespaces\/zookeeper\/pods\/zk-\d: 403 .*cannot delete resource "pods"/s,
      );
      expect(pods!.events.filter((e) => e.startsWith("stop ")).length, "no server restarted").to.equal(stops);
      await stack!.up(UP_MS, { refresh: true });
    });
    expectOverTls(pods!.runsOf("roll").at(-1)!);
  });

  it("tls on and a third tenant in one up: the roll and tenants Jobs reach the servers on the secure port only (trusting the ensemble's CA), hbase logs in, and the next up plans no change", async () => {
    await stack!.setConfig("tenants", JSON.stringify([KAFKA, SOLR, HBASE]));
    await stack!.setConfig("tls", "on");
    await rollsOnce(() => stack!.up(UP_MS));
    expectOverTls(pods!.runsOf("roll").at(-1)!);
    expectOverTls(pods!.runsOf("tenants").at(-1)!);
    expect(await secretValue("zk-tenant-hbase", "connectionString")).to.match(/:2281\/hbase$/);
    expect((await asAdmin((admin) => readTenant(admin, "/hbase"))).acl).to.deep.equal(own("hbase"));
    await as("hbase", await secretValue("zk-tenant-hbase", "password"), "/hbase", async (c) => {
      await c.createNode("/tables", Buffer.from("t"), own("hbase"));
    });
    expect((await stack!.preview(UP_MS, { expectNoChanges: true })).steps, "the next up").to.deep.equal({});
  });

  it("an ACL opened by hand is put back by replacing the tenants Job (the repair npm run verify names): the Job is deleted before it is made again, so its code runs", async () => {
    await asAdmin((admin) => admin.setAcl("/kafka", OPEN_ACL));
    const { tenantPlan } = (await stack!.outputs()) as { tenantPlan: { jobUrn: string } };
    const runs = pods!.runsOf("tenants").length;
    await stack!.up(UP_MS, { replace: [tenantPlan.jobUrn] });
    expect(pods!.runsOf("tenants")).to.have.length(runs + 1);
    expect((await asAdmin((admin) => readTenant(admin, "/kafka"))).acl).to.deep.equal(own("kafka"));
    expect(await jobs()).to.deep.equal(["zk-roll:1", "zk-tenants:1"]);
  });
});
