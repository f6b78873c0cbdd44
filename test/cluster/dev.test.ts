// The cluster tier: the dev stack, as its stack file stands, in kind mode, under the real Pulumi
// CLI, pulumi-kubernetes and a Kubernetes 1.36 API server with its controllers and scheduler (the
// judges: judges/judges.ts). A stand-in `kind` hands the kind provider the tier's control plane,
// shaped as kind makes it (a tainted control plane and three workers); kwok makes the pods Ready.
// What the servers inside the pods would answer comes from harness/fake-cluster.ts: no
// container runs here (that is `npm run e2e`).
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ControlPlane } from "../../harness/control-plane";
import { kindStack, requireClusterTier, stackFileStrings, tierEnv, TierEnv } from "../../harness/cluster-tier";
import { fakeCluster } from "../../harness/fake-cluster";
import { heldAsRendered } from "../../harness/held";
import { promiseOf, runProgram } from "../../harness/mocks";
import { stackConfig } from "../../harness/stack-files";
import { ThrowawayStack } from "../../e2e/stack";
import { expectedFromRender } from "../../e2e/expected";
import { Kube } from "../../e2e/kube";
import { tutorialObjects } from "../../e2e/checks";

const UP_MS = 5 * 60 * 1000;

describe("cluster tier: the dev stack in kind mode, under the real CLI, provider and API server", function () {
  this.timeout(15 * 60 * 1000);
  let tier: TierEnv | undefined;
  let plane: ControlPlane | undefined;
  let stack: ThrowawayStack | undefined;
  let cluster = "";

  // The user's own Pulumi home, before the tier points HOME and PULUMI_HOME elsewhere: never touched.
  const userPulumiHome = path.join(os.homedir(), ".pulumi");
  const listing = (dir: string) =>
    fs.existsSync(dir)
      ? fs
          .readdirSync(dir, { recursive: true })
          .map((f) => `${f}:${fs.statSync(path.join(dir, String(f))).mtimeMs}`)
          .sort()
      : ["(none)"];
  const userPulumiBefore = listing(userPulumiHome);

  before(async function () {
    requireClusterTier(this);
    tier = tierEnv();
    const dev = stackFileStrings("dev");
    ({ plane, stack, cluster } = await kindStack(tier, dev, Number(dev.replicas)));
  });

  after(async () => {
    await stack?.destroy(UP_MS).catch(() => undefined);
    stack?.cleanup();
    await plane?.stop();
    tier?.restore();
  });

  it("the first up makes every object the tutorial names as the program rendered it (Ready servers on nodes of their own, bound claims, the budget) and exports what the program computes", async () => {
    await stack!.up(UP_MS);
    const outputs = await stack!.outputs();
    expect(outputs.kubeContext).to.equal(`kind-${cluster}`);
    const rendered = await stack!.renderedObjects();
    const kube = await Kube.fromKubeconfig(outputs.kubeconfig as string, expectedFromRender(rendered, outputs));
    fakeCluster(rendered).attach(kube);
    const details = await tutorialObjects(kube);
    expect(details.nodes).to.have.length(3);
    // The outputs a user reads are what the program computes under mocks for the same settings.
    const mocked = await runProgram("dev", stackConfig("dev", { clusterName: cluster }));
    for (const key of ["namespace", "serverFqdns", "clientEndpoint", "connectionString", "storageClassName"]) {
      expect(outputs[key], key).to.deep.equal(await promiseOf(mocked.outputs[key]));
    }
  });

  it("the API server holds every object as the engine sent it (each rendered field, same value)", async () => {
    expect(await heldAsRendered(await stack!.renderedObjects(), (kind, name, ns) => plane!.get(kind, name, ns))).to.deep.equal([]);
  });

  it("a second up plans no change (preview --expect-no-changes)", async () => {
    const plan = await stack!.preview(UP_MS, { expectNoChanges: true });
    expect(plan.steps).to.deep.equal({});
  });

  it("destroy removes the kind cluster (the stand-in's record), and the user's ~/.pulumi is as it was", async () => {
    await stack!.destroy(UP_MS);
    expect(fs.readdirSync(path.join(tier!.kindState, "clusters"))).to.deep.equal([]);
    expect(listing(userPulumiHome)).to.deep.equal(userPulumiBefore);
  });
});
