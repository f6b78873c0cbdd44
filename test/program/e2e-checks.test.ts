// The e2e suite's checks (npm run e2e, for machines with Docker) run here against a fake cluster that
// runs exactly the e2e stack's own render (harness/fake-cluster.ts): a check that could not pass
// on the program's own output fails here, in npm test, instead of stopping the real suite at its
// first phase. The expectations come from the render (e2e/expected.ts), never from literals.
import { expect } from "chai";
import { runProgram, promiseOf } from "../../harness/mocks";
import { stackConfig } from "../../harness/stack-files";
import { startFakeKubeApi, FakeKubeApi } from "../../harness/fake-kube-api";
import { fakeCluster, FakeCluster } from "../../harness/fake-cluster";
import { e2eSettings } from "../../e2e/stack";
import { expectedFromRender, Expected, RenderedObject } from "../../e2e/expected";
import { Kube } from "../../e2e/kube";
import { tutorialObjects } from "../../e2e/checks";
import { backupNow, scrapeMetrics } from "../../e2e/observe";
import { runPhases } from "../../e2e/phases";
import { Timings } from "../../e2e/timings";
import { CheckFailed } from "../../e2e/assert";

/** The e2e stack's render under mocks: the Kubernetes objects and the outputs the suite reads. */
async function renderE2eStack(overrides: Record<string, string | undefined> = {}) {
  const settings = { ...e2eSettings("kz-e2e-test", 40123), ...overrides };
  const { resources, outputs } = await runProgram("e2e-test", stackConfig("e2e-test", settings));
  const objects = resources
    .filter((r) => r.type.startsWith("kubernetes:") && typeof r.inputs?.kind === "string")
    .map((r) => r.inputs as RenderedObject);
  return { objects, outputs: { serverFqdns: await promiseOf(outputs.serverFqdns) } };
}

const failure = (work: Promise<unknown>) =>
  work.then(
    () => undefined,
    (e: Error) => e,
  );

describe("the e2e suite's checks, against a fake cluster running the e2e stack's own render", function () {
  this.timeout(60000);
  let api: FakeKubeApi;
  let render: Awaited<ReturnType<typeof renderE2eStack>>;
  const clusters: FakeCluster[] = [];

  /** A Kube of the suite on a fake cluster of `objects`, expecting what `render` holds. */
  async function kubeOn(
    objects: RenderedObject[],
    expectedFrom = render,
  ): Promise<{ kube: Kube; cluster: FakeCluster; expected: Expected }> {
    const cluster = fakeCluster(objects);
    clusters.push(cluster);
    api.handle = cluster.handle;
    const expected = expectedFromRender(expectedFrom.objects, expectedFrom.outputs);
    const kube = await Kube.fromKubeconfig(api.kubeconfig("e2e"), expected);
    cluster.attach(kube);
    return { kube, cluster, expected };
  }

  before(async () => {
    render = await renderE2eStack();
    api = await startFakeKubeApi();
  });
  after(async () => {
    for (const c of clusters) await c.close();
    await api?.close();
  });

  it("expects what the render holds: the headless Service's metrics port with metrics on (the default), the budget, the CronJob", async () => {
    const { expected } = await kubeOn(render.objects);
    expect(expected.headlessPorts).to.deep.equal(["leader-election:3888", "metrics:7000", "server:2888"]);
    expect(expected.clientPorts).to.deep.equal(["client:2181"]);
    expect(expected.pods).to.deep.equal(["zk-0", "zk-1", "zk-2"]);
    expect(expected.budget).to.deep.include({ name: "zk-pdb", maxUnavailable: 1, disruptionsAllowed: 1 });
    expect(expected.metrics).to.deep.equal({ port: 7000, path: "/metrics" });
    expect(expected.backupCronJob).to.equal("zk-backup");
    expect(expected.serverFqdns[0]).to.equal("zk-0.zk-hs.zookeeper.svc.cluster.local");
  });

  it("tutorial objects: passes on the program's own render", async () => {
    const { kube } = await kubeOn(render.objects);
    const details = await tutorialObjects(kube);
    expect(details).to.deep.include({ leader: "zk-0" });
  });

  it("metrics: every server's /metrics, on the port and path the render names, passes", async () => {
    const { kube } = await kubeOn(render.objects);
    const details = await scrapeMetrics(kube);
    expect(details).to.deep.include({ leader: "zk-0" });
    expect(Object.keys(details)).to.include.members(["zk-0", "zk-1", "zk-2"]);
  });

  it("scheduled backup: one run of the rendered CronJob passes", async () => {
    const { kube } = await kubeOn(render.objects);
    const details = await backupNow(kube);
    expect(details.log).to.match(/^backup-job: wrote /);
  });

  it("fails, naming both, when the cluster's headless Service lacks a port the render has", async () => {
    const spoiled = render.objects.map((o) =>
      o.kind === "Service" && o.spec.clusterIP === "None"
        ? { ...o, spec: { ...o.spec, ports: o.spec.ports.filter((p: any) => p.name !== "metrics") } }
        : o,
    );
    const { kube } = await kubeOn(spoiled);
    const error = await failure(tutorialObjects(kube));
    expect(error).to.be.instanceOf(CheckFailed);
    expect(error!.message).to.equal(
      "Service zk-hs has ports leader-election:3888, server:2888, rendered leader-election:3888, metrics:7000, server:2888",
    );
  });

  it("fails when the servers listen elsewhere than the render says (zoo.cfg's clientPort)", async () => {
    const spoiled = render.objects.map((o) =>
      o.kind === "ConfigMap" && o.data?.["zoo.cfg"]
        ? { ...o, data: { ...o.data, "zoo.cfg": o.data["zoo.cfg"].replace(/^clientPort=\d+$/m, "clientPort=2182") } }
        : o,
    );
    const { kube } = await kubeOn(spoiled);
    const error = await failure(tutorialObjects(kube));
    expect(error?.message).to.equal("expected one leader, found none");
  });

  it("a render without metrics or backups: the tutorial check passes on it, the metrics and backup phases say they skip", async () => {
    const plain = await renderE2eStack({ metrics: "false", backupSchedule: undefined });
    const { kube, expected } = await kubeOn(plain.objects, plain);
    expect(expected.headlessPorts).to.deep.equal(["leader-election:3888", "server:2888"]);
    await tutorialObjects(kube);
    expect(await scrapeMetrics(kube)).to.deep.equal({ skipped: "the stack renders no metrics port" });
    expect(await backupNow(kube)).to.deep.equal({ skipped: "the stack schedules no backups" });
  });
});

describe("the e2e suite's phases", () => {
  const quiet = async <T>(work: () => Promise<T>) => {
    const log = console.log;
    console.log = () => undefined;
    try {
      return await work();
    } finally {
      console.log = log;
    }
  };

  it("a failed check does not stop the phases after it; a failed drill skips the drills after it, not the checks", async () => {
    const ran: string[] = [];
    const phase = (kind: "check" | "drill", name: string, fails = false) => ({
      kind,
      name,
      work: async () => {
        ran.push(name);
        if (fails) throw new CheckFailed(`${name} failed`);
        return {};
      },
    });
    const timings = new Timings();
    await quiet(() =>
      runPhases(
        [
          phase("check", "tutorial objects", true),
          phase("check", "metrics"),
          phase("drill", "delete a pod", true),
          phase("drill", "drain a node"),
          phase("check", "verify after the drills"),
        ],
        timings,
      ),
    );
    expect(ran).to.deep.equal(["tutorial objects", "metrics", "delete a pod", "verify after the drills"]);
    expect(timings.phases.map((p) => [p.phase, p.ok, p.error])).to.deep.equal([
      ["tutorial objects", false, "tutorial objects failed"],
      ["metrics", true, undefined],
      ["delete a pod", false, "delete a pod failed"],
      ["drain a node", false, 'not run: the drill "delete a pod" failed before it'],
      ["verify after the drills", true, undefined],
    ]);
    expect(timings.ok).to.equal(false);
  });
});
