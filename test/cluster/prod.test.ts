// The cluster tier, existing mode: the prod stack, as its stack file stands (five servers with
// required anti-affinity and zone spread, dynamic membership), against a Kubernetes 1.36 control
// plane with five workers in three zones, under the real CLI and provider; its kubeconfig is the
// one the stack file names (~/.kube/config, context prod) in the tier's own home. Then the changes
// a user makes, each with what the engine plans and what the API server holds after it, and a
// destroy that leaves the volumes (Retain) and nothing else.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { ControlPlane, NodeShape } from "../../harness/control-plane";
import { requireClusterTier, shortId, tierEnv, TierEnv } from "../../harness/cluster-tier";
import { fakeCluster } from "../../harness/fake-cluster";
import { heldAsRendered } from "../../harness/held";
import { ThrowawayStack } from "../../e2e/stack";
import { expectedFromRender } from "../../e2e/expected";
import { Kube } from "../../e2e/kube";
import { tutorialObjects } from "../../e2e/checks";
import { stackFileSettings } from "../../ops/lib/pulumi-cli";

const ROOT = path.join(__dirname, "..", "..");
const UP_MS = 8 * 60 * 1000;
const NAMESPACE = "zookeeper";

const ZONES = ["zone-a", "zone-b", "zone-c"];
const workers: NodeShape[] = Array.from({ length: 6 }, (_, i) => ({
  name: `worker-${i}`,
  labels: { "topology.kubernetes.io/zone": ZONES[i % ZONES.length] },
}));

describe("cluster tier: the prod stack on an existing cluster, under the real CLI, provider and API server", function () {
  this.timeout(20 * 60 * 1000);
  let tier: TierEnv | undefined;
  let plane: ControlPlane | undefined;
  let stack: ThrowawayStack | undefined;
  const prod = Object.fromEntries(Object.entries(stackFileSettings(ROOT, "prod")).map(([k, v]) => [k, String(v)]));

  /** The ensemble as the API server holds it after an up: the pods (name -> node) and the Jobs that ran. */
  async function held(): Promise<{ pods: Record<string, string>; jobs: string[] }> {
    const pods = (await plane!.list("pods", NAMESPACE)).filter((p) => p.metadata.labels?.app === "zk");
    const jobs = (await plane!.list("jobs", NAMESPACE)).map((j) => `${j.metadata.name}:${j.status?.succeeded ?? 0}`);
    return { pods: Object.fromEntries(pods.map((p) => [p.metadata.name, p.spec.nodeName])), jobs: jobs.sort() };
  }

  before(async function () {
    requireClusterTier(this);
    tier = tierEnv();
    const id = shortId();
    plane = await ControlPlane.start(`cp-${id}`);
    await plane.addNodes([
      {
        name: "control-plane",
        labels: { "node-role.kubernetes.io/control-plane": "" },
        taints: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }],
      },
      ...workers,
    ]);
    await plane.addVolumes(8, prod.storageClassName, "100Gi");
    // The stack file's kubeconfig (~/.kube/config) and context (prod), in the tier's home.
    const config = yaml.load(await plane.kubeconfig()) as any;
    config.contexts[0].name = prod.kubeContext;
    config["current-context"] = prod.kubeContext;
    fs.mkdirSync(path.join(tier.env.HOME, ".kube"));
    fs.writeFileSync(path.join(tier.env.HOME, ".kube", "config"), yaml.dump(config));
    stack = await ThrowawayStack.create(ROOT, { settings: () => prod, env: tier.env });
  });

  after(async () => {
    await stack?.destroy(UP_MS).catch(() => undefined);
    stack?.cleanup();
    await plane?.stop();
    tier?.restore();
  });

  it("the first up: five Ready servers on five nodes, the membership Jobs and the roll Job complete, every tutorial object as rendered", async () => {
    await stack!.up(UP_MS);
    const outputs = await stack!.outputs();
    const rendered = await stack!.renderedObjects();
    const kube = await Kube.fromKubeconfig(await plane!.kubeconfig(), expectedFromRender(rendered, outputs));
    fakeCluster(rendered).attach(kube);
    const details = await tutorialObjects(kube);
    expect(details.nodes).to.have.length(5);
    const { jobs } = await held();
    // The roll Job (rollOrder leader-last, the default) runs after every up that makes a new template,
    // the first included; it finds every server at the new revision and restarts nothing.
    expect(jobs.map((j) => j.replace(/-[0-9a-f]{10}:/, ":"))).to.deep.equal(["zk-membership-add:1", "zk-membership-remove:1", "zk-roll:1"]);
    expect(await heldAsRendered(rendered, (kind, name, ns) => plane!.get(kind, name, ns))).to.deep.equal([]);
  });

  it("a second up plans no change", async () => {
    const plan = await stack!.preview(UP_MS, { expectNoChanges: true });
    expect(plan.steps).to.deep.equal({});
  });

  it("clientAuth digest with users: the StatefulSet is updated and a new roll Job rolls the servers, the membership Jobs stay; a change of users replaces no membership Job", async () => {
    await stack!.setConfig("clientAuth", "digest");
    await stack!.setConfig("clientUsers", "app:app-Pa55word-1", { secret: true });
    const first = await stack!.preview(UP_MS);
    expect(first.steps).to.include({ "kubernetes:apps/v1:StatefulSet::zookeeper-statefulset": "update" });
    expect(Object.keys(first.steps).filter((s) => s.startsWith("kubernetes:batch/v1:Job"))).to.deep.equal([
      "kubernetes:batch/v1:Job::zookeeper-roll",
    ]);
    await stack!.up(UP_MS);
    await stack!.setConfig("clientUsers", "app:app-Pa55word-1,ops:ops-Pa55word-2", { secret: true });
    const second = await stack!.preview(UP_MS);
    expect(second.steps).to.include({ "kubernetes:apps/v1:StatefulSet::zookeeper-statefulset": "update" });
    expect(Object.keys(second.steps).filter((s) => s.startsWith("kubernetes:batch/v1:Job"))).to.deep.equal([
      "kubernetes:batch/v1:Job::zookeeper-roll",
    ]);
    await stack!.up(UP_MS);
  });

  it("replicas 5 -> 3 in one up: the StatefulSet is updated, every membership Job completes, three servers remain", async () => {
    await stack!.setConfig("replicas", "3");
    const plan = await stack!.preview(UP_MS);
    expect(plan.steps).to.include({ "kubernetes:apps/v1:StatefulSet::zookeeper-statefulset": "update" });
    await stack!.up(UP_MS);
    const { pods, jobs } = await held();
    expect(Object.keys(pods).sort()).to.deep.equal(["zk-0", "zk-1", "zk-2"]);
    expect(jobs.filter((j) => j.endsWith(":1"))).to.have.length(jobs.length);
  });

  it("replicas 3 -> 5 in one up: the remove Job completes before the add Job starts, five Ready servers, and the API server holds what was sent", async () => {
    await stack!.setConfig("replicas", "5");
    await stack!.up(UP_MS);
    const { pods } = await held();
    expect(Object.keys(pods).sort()).to.deep.equal(["zk-0", "zk-1", "zk-2", "zk-3", "zk-4"]);
    const jobs = await plane!.list("jobs", NAMESPACE);
    const phase = (name: string) => jobs.find((j) => j.metadata.name.startsWith(`zk-membership-${name}`))?.status ?? {};
    const [remove, add] = [phase("remove"), phase("add")];
    expect([remove.succeeded, add.succeeded]).to.deep.equal([1, 1]);
    expect(Date.parse(remove.completionTime)).to.be.at.most(Date.parse(add.startTime));
    expect(await heldAsRendered(await stack!.renderedObjects(), (kind, name, ns) => plane!.get(kind, name, ns))).to.deep.equal([]);
    expect((await stack!.preview(UP_MS, { expectNoChanges: true })).steps).to.deep.equal({});
  });

  it("destroy removes every object and keeps the volumes, released (reclaim Retain)", async () => {
    await stack!.destroy(UP_MS);
    const namespaces = (await plane!.list("namespaces")).map((n) => n.metadata.name);
    expect(namespaces).to.not.include(NAMESPACE);
    expect((await plane!.list("storageclasses")).map((c) => c.metadata.name)).to.not.include(prod.storageClassName);
    const volumes = await plane!.list("persistentvolumes");
    const used = volumes.filter((v) => v.spec.claimRef);
    expect(used.length).to.be.greaterThan(0);
    expect(used.map((v) => v.status.phase)).to.satisfy((phases: string[]) => phases.every((p) => p === "Released"));
  });
});
