import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { attemptProgram, runProgram, ofType, one, promiseOf, revealed, isSecretInput, Registered } from "../../harness/mocks";
import { isKubernetesObject, validateAgainstSchema } from "../../harness/schema";
import { stackConfig, useHomeWithKubeconfig, TEST_KUBECONFIG } from "../../harness/stack-files";
import { StackConfigError } from "../../config";
import { defaultClusterName } from "../../config/derived";
import { KIND_NODE_IMAGE } from "../../components/kind";

const KIND = "pulumi-nodejs:dynamic/kind:Cluster";
const PROVIDER = "pulumi:providers:kubernetes";
const SC = "kubernetes:storage.k8s.io/v1:StorageClass";
const STS = "kubernetes:apps/v1:StatefulSet";
const SVC = "kubernetes:core/v1:Service";

const kindConfig = (r: Registered[]) => yaml.load(one(r, KIND).inputs.config) as any;
const pod = (r: Registered[]) => one(r, STS).inputs.spec.template.spec;

function expectEveryObjectThroughTheOneProvider(resources: Registered[]) {
  expect(ofType(resources, PROVIDER), "exactly one Kubernetes provider").to.have.length(1);
  const objects = resources.filter(isKubernetesObject);
  expect(objects.length).to.be.at.least(7);
  for (const r of objects) {
    expect(r.provider, `${r.type} ${r.name}`).to.match(/pulumi:providers:kubernetes::cluster-k8s::cluster-k8s-id$/);
    validateAgainstSchema(r);
  }
}

describe("cluster modes", function () {
  this.timeout(30000);

  describe("kind (the dev stack)", () => {
    it("creates the four-node kind cluster, the StorageClass and the ensemble through the cluster's provider", async () => {
      const { resources, outputs } = await runProgram("dev", stackConfig("dev"));
      const cluster = one(resources, KIND);
      expect(cluster.inputs.name).to.equal("kind-zookeeper-dev");
      expect(kindConfig(resources).nodes.map((n: any) => n.role)).to.deep.equal(["control-plane", "worker", "worker", "worker"]);
      expect(kindConfig(resources).nodes.every((n: any) => n.image === KIND_NODE_IMAGE)).to.equal(true);
      expect(cluster.inputs.createTimeoutSeconds).to.equal(300);

      expect(isSecretInput(one(resources, PROVIDER).inputs.kubeconfig), "the provider gets the kubeconfig as a secret").to.equal(true);
      expect(revealed(one(resources, PROVIDER).inputs.kubeconfig)).to.contain("current-context: kind-kind-zookeeper-dev");
      expectEveryObjectThroughTheOneProvider(resources);

      const sc = one(resources, SC).inputs;
      expect(sc).to.deep.include({
        provisioner: "rancher.io/local-path",
        volumeBindingMode: "WaitForFirstConsumer",
        reclaimPolicy: "Retain",
        allowVolumeExpansion: false,
      });
      expect(one(resources, STS).inputs.spec.volumeClaimTemplates[0].spec.storageClassName).to.equal(sc.metadata.name);

      expect(await promiseOf(outputs.kubeContext), "the context kind makes for the cluster").to.equal("kind-kind-zookeeper-dev");
      expect(await promiseOf(outputs.storageClassName)).to.equal("zookeeper-data");
      expect(await pulumi.isSecret(outputs.kubeconfig), "kubeconfig is a secret").to.equal(true);
      expect(outputs, "no host endpoint without exposeOnHost").not.to.have.property("hostEndpoint");
    });

    it("lets the servers use the tainted control plane, so all four nodes are schedulable", async () => {
      const { resources } = await runProgram("dev", stackConfig("dev"));
      expect(pod(resources).tolerations).to.deep.equal([
        { key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" },
      ]);
      const oneNode = await runProgram("dev", stackConfig("dev", { workers: "0", replicas: "1" }));
      expect(pod(oneNode.resources)).not.to.have.property("tolerations");
    });

    const settings: { set: Record<string, string>; check: (r: Registered[], o: Record<string, any>) => unknown }[] = [
      { set: { clusterName: "laptop" }, check: (r) => expect(one(r, KIND).inputs.name).to.equal("laptop") },
      { set: { workers: "5" }, check: (r) => expect(kindConfig(r).nodes).to.have.length(6) },
      { set: { nodeImage: "kindest/node:v1.35.5" }, check: (r) => expect(kindConfig(r).nodes[1].image).to.equal("kindest/node:v1.35.5") },
      { set: { kindCreateTimeoutSeconds: "900" }, check: (r) => expect(one(r, KIND).inputs.createTimeoutSeconds).to.equal(900) },
      {
        set: { storageClassName: "fast-local" },
        check: (r) => {
          expect(one(r, SC).inputs.metadata.name).to.equal("fast-local");
          expect(one(r, STS).inputs.spec.volumeClaimTemplates[0].spec.storageClassName).to.equal("fast-local");
        },
      },
      { set: { storageProvisioner: "example.com/csi" }, check: (r) => expect(one(r, SC).inputs.provisioner).to.equal("example.com/csi") },
      { set: { storageReclaimPolicy: "Delete" }, check: (r) => expect(one(r, SC).inputs.reclaimPolicy).to.equal("Delete") },
      { set: { storageAllowVolumeExpansion: "true" }, check: (r) => expect(one(r, SC).inputs.allowVolumeExpansion).to.equal(true) },
      {
        set: { zoneSpread: "preferred" },
        check: (r) =>
          expect(pod(r).topologySpreadConstraints).to.deep.equal([
            {
              maxSkew: 1,
              topologyKey: "topology.kubernetes.io/zone",
              whenUnsatisfiable: "ScheduleAnyway",
              labelSelector: { matchLabels: { app: "zk" } },
            },
          ]),
      },
      {
        set: { exposeOnHost: "true", hostPort: "12181" },
        check: async (r, o) => {
          const nodePort = ofType(r, SVC).find((s) => s.inputs.spec.type === "NodePort");
          expect(nodePort?.inputs.metadata.name).to.equal("zk-cs-nodeport");
          expect(nodePort?.inputs.spec.ports).to.deep.equal([{ name: "client", port: 2181, targetPort: "client", nodePort: 30181 }]);
          // kind forwards the host port to the node port: containerPort must equal the Service's nodePort.
          expect(kindConfig(r).nodes[0].extraPortMappings).to.deep.equal([
            { containerPort: 30181, hostPort: 12181, listenAddress: "127.0.0.1", protocol: "TCP" },
          ]);
          expect(await promiseOf(o.hostEndpoint)).to.equal("127.0.0.1:12181");
        },
      },
    ];
    for (const k of settings) {
      it(
        Object.entries(k.set)
          .map(([a, b]) => `${a}=${b}`)
          .join(" "),
        async () => {
          const { resources, outputs } = await runProgram("dev", stackConfig("dev", k.set));
          expectEveryObjectThroughTheOneProvider(resources);
          await k.check(resources, outputs);
        },
      );
    }

    it("derives a valid kind name from any stack name", () => {
      expect(defaultClusterName("kind-zookeeper", "dev")).to.equal("kind-zookeeper-dev");
      expect(defaultClusterName("kind-zookeeper", "My_Team.Stack")).to.equal("kind-zookeeper-my-team.stack");
      expect(defaultClusterName("kind-zookeeper", "__")).to.equal("kind-zookeeper-stack");
      expect(defaultClusterName("kind-zookeeper", "x".repeat(80))).to.have.length(50);
    });
  });

  describe("existing", () => {
    const home = useHomeWithKubeconfig();

    it("deploys through the given kubeconfig and context, creating no kind cluster (the prod stack)", async () => {
      const { resources, outputs } = await runProgram("prod", stackConfig("prod"));
      expect(ofType(resources, KIND)).to.have.length(0);
      const provider = one(resources, PROVIDER).inputs;
      expect(isSecretInput(provider.kubeconfig), "the provider gets the kubeconfig as a secret").to.equal(true);
      const given = yaml.load(revealed(provider.kubeconfig)) as any;
      expect(
        given.contexts.map((c: any) => c.name),
        "only the stack's context",
      ).to.deep.equal(["prod"]);
      expect(given.clusters).to.deep.equal([
        { name: "prod-cluster", cluster: { server: "https://prod.example:6443", "certificate-authority-data": "ZmFrZQ==" } },
      ]);
      expect(given["current-context"]).to.equal("prod");
      expect(provider.context).to.equal("prod");
      expectEveryObjectThroughTheOneProvider(resources);
      expect(one(resources, SC).inputs.provisioner).to.equal("ebs.csi.aws.com");
      expect(one(resources, STS).inputs.spec.replicas).to.equal(5);
      expect(pod(resources).topologySpreadConstraints[0].topologyKey).to.equal("topology.kubernetes.io/zone");
      expect(pod(resources)).not.to.have.property("tolerations");
      expect(await promiseOf(outputs.kubeContext)).to.equal("prod");
      expect(await pulumi.isSecret(outputs.kubeconfig)).to.equal(true);
    });

    it("takes a kubeconfig's content as well as a path, and hands the provider the same pinned content", async () => {
      const fromPath = await runProgram("prod", stackConfig("prod"));
      const fromContent = await runProgram("prod", stackConfig("prod", { kubeconfig: TEST_KUBECONFIG }));
      expect(isSecretInput(one(fromContent.resources, PROVIDER).inputs.kubeconfig)).to.equal(true);
      expect(revealed(one(fromContent.resources, PROVIDER).inputs.kubeconfig)).to.equal(
        revealed(one(fromPath.resources, PROVIDER).inputs.kubeconfig),
      );
    });

    it("a later kubectl config use-context changes nothing the provider gets", async () => {
      const before = await runProgram("prod", stackConfig("prod"));
      const file = path.join(home.home, ".kube", "config");
      fs.writeFileSync(file, TEST_KUBECONFIG.replace("current-context: prod", "current-context: staging"));
      const after = await runProgram("prod", stackConfig("prod"));
      expect(one(after.resources, PROVIDER).inputs).to.deep.equal(one(before.resources, PROVIDER).inputs);
    });

    it("inlines the files a kubeconfig names, read relative to the kubeconfig", async () => {
      const dir = path.join(home.home, ".kube");
      fs.writeFileSync(path.join(dir, "ca.crt"), "CA PEM");
      fs.writeFileSync(
        path.join(dir, "config"),
        TEST_KUBECONFIG.replace("certificate-authority-data: ZmFrZQ==", "certificate-authority: ca.crt"),
      );
      const { resources } = await runProgram("prod", stackConfig("prod"));
      const given = yaml.load(revealed(one(resources, PROVIDER).inputs.kubeconfig)) as any;
      expect(given.clusters[0].cluster).to.deep.equal({
        server: "https://prod.example:6443",
        "certificate-authority-data": Buffer.from("CA PEM").toString("base64"),
      });
    });

    it("a kubeconfig with several contexts needs kubeContext, and the error lists them", async () => {
      const run = await attemptProgram("prod", stackConfig("prod", { kubeContext: undefined }));
      expect((run.error as Error).message).to.contain(
        `kubeContext: the kubeconfig at ${path.join(home.home, ".kube", "config")} has 2 contexts (prod, staging) and kubeContext is not set`,
      );
      expect(run.resources).to.have.length(0);
    });

    it("a kubeconfig with one context needs no kubeContext", async () => {
      const single = TEST_KUBECONFIG.slice(0, TEST_KUBECONFIG.indexOf("- name: staging\n  context:"));
      fs.writeFileSync(path.join(home.home, ".kube", "config"), `${single}current-context: prod\n`);
      const { resources } = await runProgram("prod", stackConfig("prod", { kubeContext: undefined }));
      expect(one(resources, PROVIDER).inputs.context).to.equal("prod");
    });
  });

  describe("render", () => {
    it("writes manifests to the directory and needs no cluster", async () => {
      const { resources, outputs } = await runProgram("render", stackConfig("render"));
      expect(ofType(resources, KIND)).to.have.length(0);
      expect(one(resources, PROVIDER).inputs.renderYamlToDirectory).to.equal("rendered");
      expect(one(resources, PROVIDER).inputs).not.to.have.property("kubeconfig");
      expectEveryObjectThroughTheOneProvider(resources);
      expect(outputs).not.to.have.property("kubeconfig");
      expect(outputs).not.to.have.property("kubeContext");
    });

    it("warns in its own words which rendered files hold Secrets in plain text, and only when there are any", async () => {
      const plain = (w: string) => w.includes("in plain text");
      expect((await runProgram("render", stackConfig("render"))).warnings.filter(plain)).to.deep.equal([]);
      const { resources, warnings } = await runProgram(
        "render",
        stackConfig("render", {
          clientAuth: "digest",
          clientUsers: "app:app-Pa55word-1",
          tls: "on",
          rollOrder: "ordinal",
          image: "zookeeper:3.9.6",
        }),
        ["clientUsers"],
      );
      const secrets = ofType(resources, "kubernetes:core/v1:Secret").map((r) => r.inputs.metadata.name as string);
      expect(secrets).to.have.length(3);
      const warning = warnings.filter(plain);
      expect(warning).to.have.length(1);
      expect(warning[0]).to.contain("render mode writes 3 Secrets with their data in plain text");
      for (const name of secrets) expect(warning[0]).to.contain(`rendered/1-manifest/v1-secret-zookeeper-${name}.yaml`);
      expect(warning[0]).to.contain("pulumi config set tlsSecretName <its name>");
      expect(warning[0]).to.not.contain("app-Pa55word-1");
    });
  });

  describe("settings that do not fit together, or do not fit the mode, are refused before anything is created", () => {
    useHomeWithKubeconfig();
    const cases: { stack: string; set: Record<string, string>; message: string }[] = [
      {
        stack: "dev",
        set: { clusterMode: "existing" },
        message:
          "kubeconfig: must be set when clusterMode is existing: the program never falls back to the ambient kubeconfig, got nothing (pulumi config set kubeconfig ~/.kube/config",
      },
      {
        stack: "dev",
        set: { clusterMode: "existing", kubeconfig: "~/.kube/config" },
        message: "storageProvisioner: must be set when clusterMode is existing",
      },
      { stack: "dev", set: { clusterMode: "render" }, message: "renderYamlTo: must be set when clusterMode is render" },
      {
        stack: "dev",
        set: { kubeconfig: "~/.kube/config" },
        message:
          'kubeconfig: is only used when clusterMode is existing, and clusterMode is kind, got "~/.kube/config" (pulumi config rm kubeconfig, or pulumi config set clusterMode existing)',
      },
      { stack: "dev", set: { renderYamlTo: "out" }, message: "renderYamlTo: is only used when clusterMode is render" },
      {
        stack: "prod",
        set: { clusterName: "x" },
        message: "clusterName: is only used when clusterMode is kind, and clusterMode is existing",
      },
      { stack: "prod", set: { exposeOnHost: "true" }, message: "exposeOnHost: is only available when clusterMode is kind" },
      {
        stack: "prod",
        set: { kubeconfig: "/nonexistent/kubeconfig" },
        message: "kubeconfig: the kubeconfig at /nonexistent/kubeconfig does not exist",
      },
      {
        stack: "dev",
        set: { replicas: "5" },
        message:
          'antiAffinity: must not be required with more servers (5) than schedulable nodes (4: 1 control plane + 3 workers): server 5 would stay Pending forever, got "required" (pulumi config set workers 4, or pulumi config set antiAffinity preferred)',
      },
      {
        stack: "dev",
        set: { workers: "0" },
        message:
          'antiAffinity: must not be required with more servers (3) than schedulable nodes (1: 1 control plane + 0 workers): server 2 would stay Pending forever, got "required" (pulumi config set antiAffinity preferred (one node cannot separate servers)',
      },
      { stack: "dev", set: { zoneSpread: "required" }, message: "zoneSpread: must not be required on kind" },
    ];
    for (const c of cases) {
      it(`${c.stack} ${JSON.stringify(c.set)}`, async () => {
        const run = await attemptProgram(c.stack, stackConfig(c.stack, c.set));
        expect(run.error).to.be.instanceOf(StackConfigError);
        expect((run.error as Error).message).to.contain(c.message);
        expect(run.resources, "nothing is created").to.have.length(0);
      });
    }
  });
});
