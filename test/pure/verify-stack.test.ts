// `npm run verify -- --stack <name>` as a user runs it (a subprocess), with the stand-in `pulumi`
// (harness/fixtures/bin/pulumi) that answers the Automation API as the real CLI does, and, for the
// cluster, the stand-in Kubernetes API server of the test suite. The checks of real pods through
// port-forward need a real cluster: the e2e suite proves them.
import { expect } from "chai";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { pulumiBackend } from "../../ops/lib/backend";
import { startFakeKubeApi, FakeKubeApi } from "../../harness/fake-kube-api";
import { expectOneLineReason, ROOT, runNode, standInCalls as calls, writeStack } from "../../harness/pulumi-stand-in";

const verify = (args: string[], env: Record<string, string>, options?: { withPulumi?: boolean }) =>
  runNode([path.join(ROOT, "ops", "verify.ts"), ...args], env, options);

const KUBE_CONTEXT = "kind-kind-zookeeper-dev";

function deployedOutputs(kubeconfig: string): Record<string, unknown> {
  return {
    namespace: "zookeeper",
    serverFqdns: [0, 1, 2].map((i) => `zk-${i}.zk-hs.zookeeper.svc.cluster.local`),
    clientEndpoint: "zk-cs.zookeeper.svc.cluster.local:2181",
    connectionString: [0, 1, 2].map((i) => `zk-${i}.zk-hs.zookeeper.svc.cluster.local:2181`).join(","),
    storageClassName: "zookeeper-data",
    kubeContext: KUBE_CONTEXT,
    kubeconfig,
  };
}

describe("npm run verify -- --stack, through the Automation API and a stand-in pulumi", function () {
  this.timeout(60000);
  let home: string;
  let backendDir: string;
  let env: Record<string, string>;
  let api: FakeKubeApi;
  let ambient: FakeKubeApi;

  before(async () => {
    [api, ambient] = await Promise.all([startFakeKubeApi(), startFakeKubeApi()]);
  });
  after(async () => {
    await Promise.all([api?.close(), ambient?.close()]);
  });
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "kz-verify-stack-"));
    backendDir = path.join(home, "state");
    // The ambient kubeconfig points at another API server, which must never be asked.
    fs.writeFileSync(path.join(home, "kubeconfig"), ambient.kubeconfig("ambient"));
    env = { HOME: home, PULUMI_BACKEND_URL: `file://${backendDir}`, KUBECONFIG: path.join(home, "kubeconfig") };
  });
  afterEach(() => {
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("an unknown stack: exit 2 naming the backend and the command that lists its stacks", async () => {
    writeStack(backendDir, "dev", {});
    expectOneLineReason(
      await verify(["--stack", "prod"], env),
      `no stack named 'prod' in PULUMI_BACKEND_URL (file://${backendDir}): list the stacks with pulumi stack ls`,
    );
  });

  it("a stack without outputs (never deployed): exit 2 saying to run pulumi up", async () => {
    writeStack(backendDir, "dev", {});
    expectOneLineReason(
      await verify(["--stack", "dev"], env),
      "stack 'dev' has no outputs: it has not been deployed (pulumi up --stack dev)",
    );
  });

  it("a render stack (no kubeconfig output): exit 2 saying there is nothing deployed to check", async () => {
    const { kubeconfig: _k, kubeContext: _c, ...render } = deployedOutputs("unused");
    writeStack(backendDir, "render", render);
    expectOneLineReason(await verify(["--stack", "render"], env), "stack 'render' has no kubeconfig output: it renders manifests");
  });

  it("a stack whose secrets need a passphrase that is not set: exit 2 saying which variables to set", async () => {
    writeStack(backendDir, "dev", deployedOutputs(api.kubeconfig("dev")), "s3cret");
    expectOneLineReason(
      await verify(["--stack", "dev"], env),
      "passphrase must be set with PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE environment variables",
    );
  });

  it("no Pulumi CLI on PATH: exit 2 saying to install it", async () => {
    expectOneLineReason(
      await verify(["--stack", "dev"], env, { withPulumi: false }),
      "the Pulumi CLI is not installed (pulumi is not on PATH): install the Pulumi CLI",
    );
  });

  describe("a project folder with nothing deployed, not logged in, no PULUMI_BACKEND_URL: reading a stack writes nothing", () => {
    const readIn = (project: string, withPulumi: boolean) => {
      const script = `require(${JSON.stringify(path.join(ROOT, "ops", "lib", "stack.ts"))}).readStackOutputs("dev", { projectDir: ${JSON.stringify(project)} }).then((o) => console.log(JSON.stringify(o)), (e) => { console.error(e.message); process.exit(2); })`;
      return runNode(["-e", script], { HOME: home }, { withPulumi });
    };
    const newProject = () => {
      const project = path.join(home, "project");
      fs.mkdirSync(project);
      fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
      return project;
    };

    it("without the Pulumi CLI: says to install it, and writes no .pulumi-state or passphrase", async () => {
      const project = newProject();
      const run = await readIn(project, false);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain("the Pulumi CLI is not installed");
      expect(fs.readdirSync(project)).to.deep.equal(["Pulumi.yaml"]);
    });

    it("with the CLI: says nothing was deployed from the folder yet, and writes nothing", async () => {
      const project = newProject();
      const run = await readIn(project, true);
      expect(run.code).to.equal(2);
      expect(run.stderr)
        .to.contain("no stack named 'dev': nothing was deployed from this folder yet")
        .and.contain("deploy with npm run up first");
      expect(fs.readdirSync(project)).to.deep.equal(["Pulumi.yaml"]);
    });
  });

  it("a cluster that does not answer: exit 2 naming the stack's API server, not the ambient kubeconfig's", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.160", r));
    const closed = `https://127.0.0.160:${(probe.address() as net.AddressInfo).port}`;
    await new Promise<void>((r) => probe.close(() => r()));
    writeStack(backendDir, "dev", deployedOutputs(api.kubeconfig("dev").replace(api.url, closed)), "s3cret");
    const run = await verify(["--stack", "dev"], { ...env, PULUMI_CONFIG_PASSPHRASE: "s3cret" });
    expectOneLineReason(run, `through the Kubernetes API at ${closed} failed`);
    expect(run.stderr).to.contain(`(is the cluster up? kubectl --context ${KUBE_CONTEXT} cluster-info)`);
    expect(ambient.requests).to.deep.equal([]);
  });

  it("a cluster without the ensemble: the stack's kubeconfig (client certificate) reads the pods; each missing server fails with its kubectl command; unhealthy, exit 1", async () => {
    writeStack(backendDir, "dev", deployedOutputs(api.kubeconfig("dev")), "s3cret");
    api.requests.length = 0;
    const run = await verify(["--stack", "dev"], { ...env, PULUMI_CONFIG_PASSPHRASE: "s3cret" });
    expect(run.code, run.stderr + run.stdout).to.equal(1);
    expect(api.requests).to.include("GET /api/v1/namespaces/zookeeper/pods?labelSelector=app%3Dzk");
    expect(api.requests).to.include("GET /api/v1/namespaces/zookeeper/persistentvolumeclaims/datadir-zk-2");
    expect(ambient.requests, "the ambient kubeconfig is never used").to.deep.equal([]);
    const lines = run.stdout.split("\n");
    expect(lines.find((l) => l.startsWith("pod ") && l.includes("zk-1"))).to.match(
      new RegExp(`FAIL +no pod zk-1 in namespace zookeeper; next: kubectl --context ${KUBE_CONTEXT} describe statefulset zk -n zookeeper$`),
    );
    expect(lines.find((l) => l.startsWith("volume ") && l.includes("zk-0"))).to.contain("FAIL    no volume claim datadir-zk-0");
    expect(lines.find((l) => l.startsWith("pdb "))).to.contain("no PodDisruptionBudget zk-pdb");
    expect(run.stdout).to.contain("verdict: unhealthy (exit 1): no quorum: 0 of 3 servers serve, a quorum needs 2");
  });

  it("reads the outputs without `pulumi stack select`, so the user's selected stack stays as it was", async () => {
    writeStack(backendDir, "dev", {});
    await verify(["--stack", "dev"], env);
    expect(calls(backendDir)).to.deep.equal([
      "stack output --json --stack dev --non-interactive",
      "stack output --json --show-secrets --stack dev --non-interactive",
    ]);
  });

  it("not logged in and no PULUMI_BACKEND_URL: the stack is read from the project's local backend with the passphrase ops/lib/backend.ts generated", async () => {
    // A project directory of its own, so the local backend (<project>/.pulumi-state) is this test's.
    const project = path.join(home, "project");
    fs.mkdirSync(project);
    fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
    const noBackend = { HOME: home };
    const backend = pulumiBackend(project, noBackend);
    const passphrase = fs.readFileSync(backend.env.PULUMI_CONFIG_PASSPHRASE_FILE, "utf8").trim();
    writeStack(path.join(project, ".pulumi-state"), "dev", deployedOutputs("apiVersion: v1\nkind: Config\n"), passphrase);
    const script = `require(${JSON.stringify(path.join(ROOT, "ops", "lib", "stack.ts"))}).readStackOutputs("dev", { projectDir: ${JSON.stringify(project)} }).then((o) => console.log(JSON.stringify(o)))`;
    const run = await runNode(["-e", script], noBackend);
    expect(run.code, run.stderr).to.equal(0);
    expect(JSON.parse(run.stdout)).to.include({ namespace: "zookeeper", kubeconfig: "apiVersion: v1\nkind: Config\n" });
  });
});
