import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import * as yaml from "js-yaml";
import { useMocks, settle, one, runProgram } from "../../harness/mocks";
import { stackConfig } from "../../harness/stack-files";
import { useFakeKind } from "../../harness/fake-kind";
import { readyNode } from "../../harness/fake-kube-api";
import { KindCluster } from "../../components/kind/cluster";
import { KIND_PROVIDER_VERSION, KindClusterInputs } from "../../components/kind/provider";
import { renderKindConfig, renderKindConfigYaml, KIND_NODE_IMAGE } from "../../components/kind/config";
import { rejection } from "../../harness/rejection";

const requireFromString = require("require-from-string");
const KIND_TYPE = "pulumi-nodejs:dynamic/kind:Cluster";

/**
 * The provider as `pulumi up` runs it: serialized by Pulumi into the resource's __provider input,
 * then loaded from that text in another module scope (as Pulumi's provider host does).
 */
async function serializedKindResource(args: ConstructorParameters<typeof KindCluster>[1]) {
  const resources = useMocks("dev");
  new KindCluster("kind", args);
  await settle(resources);
  const registered = one(resources, KIND_TYPE);
  const { __provider, ...inputs } = registered.inputs;
  expect(__provider, "the provider is serialized into the inputs").to.be.a("string");
  return {
    provider: requireFromString(__provider).handler(),
    inputs: inputs as KindClusterInputs,
    serialized: __provider as string,
    secretOutputs: registered.options.additionalSecretOutputs,
  };
}

/** Whether a process has ended (gone, or a zombie waiting for init to reap it), within 5 s. */
async function stopped(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    const stat = fs.existsSync(`/proc/${pid}/stat`) ? fs.readFileSync(`/proc/${pid}/stat`, "utf8") : "";
    if (!stat || /^\d+ \(.*\) Z/.test(stat)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

describe("the kind cluster", function () {
  this.timeout(30000);

  describe("rendered kind config", () => {
    it("is one control plane and three workers on the pinned node image by default", () => {
      const config = renderKindConfig({ workers: 3, nodeImage: KIND_NODE_IMAGE });
      expect(config.apiVersion).to.equal("kind.x-k8s.io/v1alpha4");
      expect(config.kind).to.equal("Cluster");
      expect(config.nodes.map((n) => n.role)).to.deep.equal(["control-plane", "worker", "worker", "worker"]);
      for (const node of config.nodes) expect(node.image).to.match(/^kindest\/node:v1\.36\.1@sha256:[0-9a-f]{64}$/);
    });

    it("follows the worker count and node image", () => {
      const config = renderKindConfig({ workers: 0, nodeImage: "kindest/node:v1.35.5" });
      expect(config.nodes).to.deep.equal([{ role: "control-plane", image: "kindest/node:v1.35.5" }]);
      expect(renderKindConfig({ workers: 5, nodeImage: "x:y" }).nodes).to.have.length(6);
    });

    it("forwards host ports to the control plane on loopback", () => {
      const config = renderKindConfig({
        workers: 1,
        nodeImage: "x:y",
        portMappings: [{ containerPort: 30181, hostPort: 2181, listenAddress: "127.0.0.1" }],
      });
      expect(config.nodes[0]).to.deep.include({
        extraPortMappings: [{ containerPort: 30181, hostPort: 2181, listenAddress: "127.0.0.1", protocol: "TCP" }],
      });
      expect(config.nodes[1]).not.to.have.property("extraPortMappings");
    });

    it("is YAML that reads back as the same config", () => {
      const input = { workers: 2, nodeImage: KIND_NODE_IMAGE };
      expect(yaml.load(renderKindConfigYaml(input))).to.deep.equal(renderKindConfig(input));
    });
  });

  describe("the dynamic provider, loaded from its serialized form, against a stand-in kind", () => {
    const kind = useFakeKind();

    it("registers with its inputs, a version, and the kubeconfig as a secret output", async () => {
      const { inputs, secretOutputs } = await serializedKindResource({ clusterName: "kind-zookeeper-dev" });
      expect(secretOutputs, "the engine keeps the kubeconfig output secret").to.deep.equal(["kubeconfig"]);
      expect(inputs.name).to.equal("kind-zookeeper-dev");
      expect(inputs.providerVersion).to.equal(KIND_PROVIDER_VERSION);
      expect(yaml.load(inputs.config)).to.deep.equal(renderKindConfig({ workers: 3, nodeImage: KIND_NODE_IMAGE }));
    });

    it("its serialized code requires only Node's built-in modules, each by a literal name", async () => {
      // Pulumi writes a captured module as require("<module>") (pulumi/pulumi v3.248.0
      // sdk/nodejs/runtime/closure/serializeClosure.ts), and the provider's own requires stay as
      // written; anything but a built-in would have to resolve where the provider host runs.
      const { serialized } = await serializedKindResource({ clusterName: "zk-test" });
      const required = [...serialized.matchAll(/\brequire\s*\(([^)]*)\)/g)].map((m) => m[1].trim());
      expect(required, "the provider requires something").to.not.be.empty;
      const builtins = new Set(require("module").builtinModules as string[]);
      for (const arg of required) {
        expect(arg, "a literal module name").to.match(/^"[^"]+"$/);
        const name = JSON.parse(arg).replace(/^node:/, "");
        expect(builtins.has(name), `${name} is a built-in module`).to.equal(true);
      }
      expect(serialized, "no dynamic import()").to.not.match(/\bimport\s*\(/);
    });

    it("create runs kind with the rendered config and a wait, and returns kubeconfig, endpoint and nodes", async () => {
      const { provider, inputs } = await serializedKindResource({ clusterName: "zk-test" });
      const checked = await provider.check({}, inputs);
      expect(checked.failures).to.deep.equal([]);
      const { id, outs } = await provider.create(checked.inputs);
      expect(id).to.equal("zk-test");
      const calls = kind.calls();
      expect(calls[0]).to.equal("get clusters");
      expect(calls[1]).to.match(/^create cluster --name zk-test --config \S+kind-config\.yaml --wait 300s$/);
      expect(calls.slice(2)).to.deep.equal(["get kubeconfig --name zk-test", "get nodes --name zk-test"]);
      expect(outs.kubeconfig).to.contain("current-context: kind-zk-test");
      expect(outs.endpoint).to.equal(kind.api.url);
      expect(kind.api.requests, "it asked the new cluster's API server for its nodes").to.include("GET /api/v1/nodes");
      expect(outs.nodes).to.deep.equal(["zk-test-control-plane", "zk-test-worker", "zk-test-worker2", "zk-test-worker3"]);
      expect(kind.clusters()).to.deep.equal(["zk-test"]);
    });

    it("read reports the cluster while kind lists it, and gone once it does not", async () => {
      const { provider, inputs } = await serializedKindResource({ clusterName: "zk-test" });
      const { outs } = await provider.create(inputs);
      const live = await provider.read("zk-test", outs);
      expect(live.id).to.equal("zk-test");
      expect(live.props.endpoint).to.equal(kind.api.url);
      await provider.delete("zk-test", outs);
      expect(kind.calls().at(-1)).to.equal("delete cluster --name zk-test");
      expect(kind.clusters()).to.deep.equal([]);
      expect((await provider.read("zk-test", outs)).id).to.equal("");
    });

    it("diff replaces the cluster for a new name, topology, node image or port mapping, and for nothing else", async () => {
      const base = (await serializedKindResource({ clusterName: "a" })).inputs;
      const { provider } = await serializedKindResource({ clusterName: "a" });
      const variants: [string, Partial<ConstructorParameters<typeof KindCluster>[1]>, string[]][] = [
        ["name", { clusterName: "b" }, ["name"]],
        ["workers", { workers: 4 }, ["config"]],
        ["node image", { nodeImage: "kindest/node:v1.35.5" }, ["config"]],
        ["port mapping", { portMappings: [{ containerPort: 30181, hostPort: 2181, listenAddress: "127.0.0.1" }] }, ["config"]],
      ];
      for (const [what, change, replaces] of variants) {
        const news = (await serializedKindResource({ clusterName: "a", ...change })).inputs;
        const diff = await provider.diff("a", base, news);
        expect(diff.replaces, what).to.deep.equal(replaces);
        expect(diff.deleteBeforeReplace, what).to.equal(true);
      }
      const timeout = (await serializedKindResource({ clusterName: "a", createTimeoutSeconds: 900 })).inputs;
      const diff = await provider.diff("a", base, timeout);
      expect(diff.replaces).to.deep.equal([]);
      expect(diff.changes).to.equal(true);
      expect((await provider.diff("a", base, base)).changes).to.equal(false);
    });

    it("create waits until every node is Ready, not only the control plane that kind's --wait covers", async () => {
      const { provider, inputs } = await serializedKindResource({ clusterName: "zk-test", workers: 2 });
      let polls = 0;
      kind.api.nodes = () => {
        polls++;
        return kind.declaredNodes().map((n) => readyNode(n, polls > 2 || n.endsWith("control-plane")));
      };
      const { outs } = await provider.create(inputs);
      expect(polls).to.equal(3);
      expect(outs.nodes).to.deep.equal(["zk-test-control-plane", "zk-test-worker", "zk-test-worker2"]);
    });

    it("a node that never becomes Ready fails the create with its reason, and the cluster is deleted", async () => {
      const { provider, inputs } = await serializedKindResource({ clusterName: "zk-test", workers: 1, createTimeoutSeconds: 30 });
      kind.api.nodes = () => kind.declaredNodes().map((n) => readyNode(n, n.endsWith("control-plane")));
      // A short bound for the test; the input's own minimum (30 s) is checked by the stack config.
      const error = await rejection(provider.create({ ...inputs, createTimeoutSeconds: 1 }));
      expect(error.message).to.contain("not every node of the kind cluster was Ready within 1 s");
      expect(error.message).to.contain("zk-test-worker: KubeletNotReady: container runtime network not ready");
      expect(error.message).to.contain("fs.inotify.max_user_watches=524288");
      expect(error.message).to.contain("The cluster was deleted");
      expect(kind.calls().at(-1)).to.equal("delete cluster --name zk-test");
      expect(kind.clusters()).to.deep.equal([]);
    });

    it("an interrupted create (SIGINT to the provider host) stops kind and deletes the half-made cluster", async () => {
      const { inputs, serialized } = await serializedKindResource({ clusterName: "zk-test" });
      kind.fail("hang");
      const file = path.join(kind.state, "provider.js");
      fs.writeFileSync(file, serialized);
      // The provider host: loads the serialized provider and runs create, as Pulumi's would.
      const host = spawn(process.execPath, ["-e", `require(${JSON.stringify(file)}).handler().create(${JSON.stringify(inputs)})`], {
        env: process.env,
        stdio: "ignore",
      });
      const exited = new Promise<number | null>((r) => host.on("exit", (code) => r(code)));
      const deadline = Date.now() + 15000;
      while (!fs.existsSync(path.join(kind.state, "hang.pid")) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const kindPid = Number(fs.readFileSync(path.join(kind.state, "hang.pid"), "utf8"));
      host.kill("SIGINT");
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 15000))]);
      expect(code).to.equal(130);
      expect(kind.calls().at(-1)).to.equal("delete cluster --name zk-test");
      expect(kind.clusters()).to.deep.equal([]);
      expect(await stopped(kindPid), "kind was stopped").to.equal(true);
    });

    it("check refuses a name kind cannot use", async () => {
      const { provider, inputs } = await serializedKindResource({ clusterName: "ok" });
      const checked = await provider.check({}, { ...inputs, name: "Bad_Name" });
      expect(checked.failures[0].property).to.equal("name");
      expect(checked.failures[0].reason).to.contain('"Bad_Name"');
    });

    describe("failures a user meets", () => {
      let provider: any;
      let inputs: KindClusterInputs;
      beforeEach(async () => {
        ({ provider, inputs } = await serializedKindResource({ clusterName: "zk-test" }));
      });

      it("kind not on PATH", async () => {
        process.env.PATH = path.join(kind.state, "empty");
        const error = await rejection(provider.create(inputs));
        expect(error.message).to.contain("kind is not on PATH. Install kind v0.32.0");
        expect(error.message).to.contain("Or deploy into a cluster that exists instead of creating one with kind.");
      });

      it("no container engine running", async () => {
        kind.fail("engine");
        const error = await rejection(provider.create(inputs));
        expect(error.message).to.contain("no container engine is running");
        expect(error.message).to.contain("start Docker");
        expect(error.message).to.contain("Cannot connect to the Docker daemon");
      });

      it("a cluster of that name already exists outside this stack", async () => {
        kind.addCluster("zk-test");
        const error = await rejection(provider.create(inputs));
        expect(error.message).to.contain('a kind cluster named "zk-test" already exists and is not managed by this stack');
        expect(error.message).to.contain("kind delete cluster --name zk-test");
        expect(error.message).to.contain("or give the cluster another name (clusterName)");
        expect(error.message).to.contain("this one, through its kubectl context kind-zk-test");
        expect(kind.calls().some((c) => c.startsWith("create"))).to.equal(false);
        expect(kind.clusters(), "the user's cluster is left alone").to.deep.equal(["zk-test"]);
      });

      it("a failed create leaves no half-made cluster", async () => {
        kind.fail("create");
        const error = await rejection(provider.create(inputs));
        expect(error.message).to.contain("kind create cluster --name zk-test failed (exit code 1)");
        expect(error.message).to.contain("failed to init node with kubeadm");
        expect(error.message).to.contain("The partial cluster was deleted");
        expect(kind.calls().at(-1)).to.equal("delete cluster --name zk-test");
        expect(kind.clusters()).to.deep.equal([]);
      });

      it("a create that times out is stopped and cleaned up", async () => {
        kind.fail("hang");
        // The limit is kind's --wait plus a grace of 120 s; -119 leaves one second.
        const error = await rejection(provider.create({ ...inputs, createTimeoutSeconds: -119 }));
        expect(error.message).to.contain("did not finish within 1 s and was stopped; the partial cluster was deleted");
        expect(error.message).to.contain("or raise the time limit (createTimeoutSeconds)");
        expect(kind.calls().at(-1)).to.equal("delete cluster --name zk-test");
        expect(kind.clusters()).to.deep.equal([]);
      });
    });

    describe("the same failures in a stack, whose advice names its settings", () => {
      let provider: any;
      let inputs: KindClusterInputs;
      beforeEach(async () => {
        // The dev stack's own kind cluster, as index.ts registers it.
        const { resources } = await runProgram("dev", stackConfig("dev", { clusterName: "zk-test" }));
        const { __provider, ...rest } = one(resources, KIND_TYPE).inputs;
        provider = requireFromString(__provider).handler();
        inputs = rest as KindClusterInputs;
      });

      it("kind not on PATH", async () => {
        process.env.PATH = path.join(kind.state, "empty");
        const error = await rejection(provider.create(inputs));
        expect(error.message).to.contain(
          "Or deploy into a cluster that exists (pulumi config set clusterMode existing, with kubeconfig and kubeContext).",
        );
      });

      it("a cluster of that name already exists outside this stack", async () => {
        kind.addCluster("zk-test");
        const error = await rejection(provider.create(inputs));
        expect(error.message).to.contain("or give this stack another cluster (pulumi config set clusterName <another-name>)");
        expect(error.message).to.contain("or deploy into a cluster that exists (pulumi config set clusterMode existing");
      });

      it("a create that times out", async () => {
        kind.fail("hang");
        const error = await rejection(provider.create({ ...inputs, createTimeoutSeconds: -119 }));
        expect(error.message).to.contain("or raise the time limit (pulumi config set kindCreateTimeoutSeconds 900)");
      });
    });
  });
});
