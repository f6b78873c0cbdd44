import { expect } from "chai";
import { attemptProgram, runProgram, ofType, one, promiseOf, revealed, isSecretInput, Registered } from "../../harness/mocks";
import { isKubernetesObject, validateAgainstSchema } from "../../harness/schema";
import { stackConfig } from "../../harness/stack-files";
import { StackConfigError } from "../../config";

const STS = "kubernetes:apps/v1:StatefulSet";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const SVC = "kubernetes:core/v1:Service";
const CM = "kubernetes:core/v1:ConfigMap";
const NS = "kubernetes:core/v1:Namespace";
const SC = "kubernetes:storage.k8s.io/v1:StorageClass";
const CLEANUP = "pulumi-nodejs:dynamic/zookeeper:PodCleanup";
const PVC_PATCH = "kubernetes:core/v1:PersistentVolumeClaimPatch";
const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CRONJOB = "kubernetes:batch/v1:CronJob";
const POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor";
const PROMETHEUS_RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const BACKUP = "kind-zookeeper:index:ScheduledBackup";
const headless = (resources: Registered[]) => ofType(resources, SVC).find((r) => r.inputs.metadata.name === "zk-hs")!;

const pod = (resources: Registered[]) => one(resources, STS).inputs.spec.template.spec;
/** The servers' ConfigMap (not the jobs' code: the roll Job's, with rollOrder leader-last). */
const serversConfig = (resources: Registered[]) =>
  one(
    resources.filter((r) => r.name.endsWith("-config")),
    CM,
  );
const zooCfg = (resources: Registered[]) => serversConfig(resources).inputs.data["zoo.cfg"] as string;

describe("the whole program under mocks", function () {
  this.timeout(30000);

  describe("the dev stack", () => {
    let resources: Registered[];
    let outputs: Record<string, any>;
    before(async () => {
      ({ resources, outputs } = await runProgram("dev", stackConfig("dev")));
    });

    it("renders the tutorial's objects with the tutorial's names", () => {
      expect(one(resources, NS).inputs.metadata.name).to.equal("zookeeper");
      expect(
        ofType(resources, SVC)
          .map((r) => r.inputs.metadata.name)
          .sort(),
      ).to.deep.equal(["zk-cs", "zk-hs"]);
      expect(one(resources, PDB).inputs.metadata.name).to.equal("zk-pdb");
      expect(one(resources, STS).inputs.metadata.name).to.equal("zk");
      expect(one(resources, STS).inputs.spec.template.metadata.labels.app).to.equal("zk");
      expect(one(resources, STS).inputs.spec.serviceName).to.equal("zk-hs");
    });

    it("every Kubernetes object is valid against the upstream schema", () => {
      const objects = resources.filter(isKubernetesObject);
      expect(objects.length).to.be.at.least(6);
      for (const r of objects) {
        try {
          validateAgainstSchema(r);
        } catch (e) {
          throw new Error(`${r.type} ${r.name} is not valid: ${(e as Error).message}`);
        }
      }
    });

    it("creates every Kubernetes object through the provider built from the kind cluster's kubeconfig", () => {
      const provider = one(resources, "pulumi:providers:kubernetes");
      expect(revealed(provider.inputs.kubeconfig), "built from the kind cluster's kubeconfig").to.contain(
        "current-context: kind-kind-zookeeper-dev",
      );
      for (const r of resources.filter(isKubernetesObject)) {
        expect(r.provider, `${r.type} ${r.name}`).to.match(/pulumi:providers:kubernetes::cluster-k8s::cluster-k8s-id$/);
      }
    });

    it("exports the outputs a client needs", async () => {
      expect(await promiseOf(outputs.namespace)).to.equal("zookeeper");
      expect(await promiseOf(outputs.serverFqdns)).to.deep.equal([
        "zk-0.zk-hs.zookeeper.svc.cluster.local",
        "zk-1.zk-hs.zookeeper.svc.cluster.local",
        "zk-2.zk-hs.zookeeper.svc.cluster.local",
      ]);
      expect(await promiseOf(outputs.clientEndpoint)).to.equal("zk-cs.zookeeper.svc.cluster.local:2181");
      expect(await promiseOf(outputs.connectionString)).to.equal(
        "zk-0.zk-hs.zookeeper.svc.cluster.local:2181,zk-1.zk-hs.zookeeper.svc.cluster.local:2181,zk-2.zk-hs.zookeeper.svc.cluster.local:2181",
      );
    });

    it("exports metrics by default: the exporter in zoo.cfg, a named container port, pod annotations, the headless Service's port", () => {
      expect(zooCfg(resources)).to.contain(
        "metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\nmetricsProvider.httpHost=0.0.0.0\nmetricsProvider.httpPort=7000\n",
      );
      expect(pod(resources).containers[0].ports).to.deep.include({ name: "metrics", containerPort: 7000 });
      expect(one(resources, STS).inputs.spec.template.metadata.annotations).to.deep.equal({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "7000",
        "prometheus.io/path": "/metrics",
      });
      expect(headless(resources).inputs.spec.ports).to.deep.include({ name: "metrics", port: 7000, targetPort: "metrics" });
      expect(ofType(resources, POD_MONITOR), "no PodMonitor without podMonitor: its CRD may be missing").to.have.length(0);
      expect(ofType(resources, CRONJOB), "no backups unless scheduled").to.have.length(0);
    });

    it("uses the defaults: the tutorial's resources, the fast timing preset", () => {
      const container = pod(resources).containers[0];
      expect(container.image).to.equal("zookeeper:3.9.6");
      expect(container.env).to.deep.include({ name: "ZK_HEAP", value: "512m" });
      expect(container.resources).to.deep.equal({ requests: { cpu: "500m", memory: "1024Mi" }, limits: { memory: "1024Mi" } });
      expect(one(resources, PDB).inputs.spec.maxUnavailable).to.equal(1);
      expect(one(resources, STS).inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).to.equal("10Gi");
      for (const line of [
        "tickTime=1000",
        "initLimit=20",
        "syncLimit=2",
        "maxClientCnxns=60",
        "minSessionTimeout=4000",
        "maxSessionTimeout=40000",
        "autopurge.snapRetainCount=3",
        "autopurge.purgeInterval=12",
      ]) {
        expect(zooCfg(resources)).to.contain(`${line}\n`);
      }
    });
  });

  describe("each setting changes what is rendered", () => {
    const cases: { set: Record<string, string>; check: (r: Registered[]) => unknown }[] = [
      {
        set: { replicas: "5", workers: "4" },
        check: (r) => {
          expect(one(r, STS).inputs.spec.replicas).to.equal(5);
          expect(zooCfg(r)).to.contain("server.5=zk-4.zk-hs.zookeeper.svc.cluster.local:2888:3888");
        },
      },
      {
        set: { heap: "2g" },
        check: (r) => {
          expect(pod(r).containers[0].env).to.deep.include({ name: "ZK_HEAP", value: "2g" });
          expect(pod(r).containers[0].resources.limits.memory).to.equal("3072Mi");
        },
      },
      { set: { memory: "3Gi" }, check: (r) => expect(pod(r).containers[0].resources.requests.memory).to.equal("3Gi") },
      { set: { cpu: "1500m" }, check: (r) => expect(pod(r).containers[0].resources.requests.cpu).to.equal("1500m") },
      {
        set: { antiAffinity: "preferred" },
        check: (r) => expect(pod(r).affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).to.have.length(1),
      },
      { set: { antiAffinity: "none" }, check: (r) => expect(pod(r).affinity).to.equal(undefined) },
      { set: { pdbMaxUnavailable: "0" }, check: (r) => expect(one(r, PDB).inputs.spec).to.include({ maxUnavailable: 0 }) },
      {
        set: { pdbMinAvailable: "2" },
        check: (r) => {
          expect(one(r, PDB).inputs.spec.minAvailable).to.equal(2);
          expect(one(r, PDB).inputs.spec).not.to.have.property("maxUnavailable");
        },
      },
      {
        set: { storageSize: "20Gi" },
        check: (r) => expect(one(r, STS).inputs.spec.volumeClaimTemplates[0].spec.resources.requests.storage).to.equal("20Gi"),
      },
      {
        set: { namespace: "coordination" },
        check: (r) => {
          expect(one(r, NS).inputs.metadata.name).to.equal("coordination");
          for (const o of r.filter(isKubernetesObject).filter((o) => o.type !== NS && o.type !== SC)) {
            expect(o.inputs.metadata.namespace, o.name).to.equal("coordination");
          }
        },
      },
      { set: { namespace: "default" }, check: (r) => expect(ofType(r, NS)).to.have.length(0) },
      {
        set: { namePrefix: "orders-" },
        check: (r) => {
          expect(one(r, STS).inputs.metadata.name).to.equal("orders-zk");
          expect(one(r, PDB).inputs.metadata.name).to.equal("orders-zk-pdb");
          expect(one(r, PDB).inputs.spec.selector.matchLabels).to.deep.equal({ app: "orders-zk" });
          expect(zooCfg(r)).to.contain("server.1=orders-zk-0.orders-zk-hs.zookeeper.svc.cluster.local:2888:3888");
        },
      },
      {
        set: { image: "registry.example/zookeeper:3.9.6" },
        check: (r) => expect(pod(r).containers[0].image).to.equal("registry.example/zookeeper:3.9.6"),
      },
      {
        set: { clusterDomain: "corp.internal" },
        check: (r) => expect(zooCfg(r)).to.contain("server.1=zk-0.zk-hs.zookeeper.svc.corp.internal:2888:3888"),
      },
      { set: { timing: "tutorial" }, check: (r) => expect(zooCfg(r)).to.contain("tickTime=2000\ninitLimit=10\nsyncLimit=5\n") },
      {
        set: { timing: "tutorial", syncLimit: "3" },
        check: (r) => expect(zooCfg(r)).to.contain("tickTime=2000\ninitLimit=10\nsyncLimit=3\n"),
      },
      { set: { tickTime: "1500" }, check: (r) => expect(zooCfg(r)).to.contain("tickTime=1500\ninitLimit=20\nsyncLimit=2\n") },
      { set: { initLimit: "30" }, check: (r) => expect(zooCfg(r)).to.contain("initLimit=30\n") },
      { set: { syncLimit: "3" }, check: (r) => expect(zooCfg(r)).to.contain("syncLimit=3\n") },
      { set: { maxClientCnxns: "0" }, check: (r) => expect(zooCfg(r)).to.contain("maxClientCnxns=0\n") },
      { set: { minSessionTimeout: "6000" }, check: (r) => expect(zooCfg(r)).to.contain("minSessionTimeout=6000\n") },
      { set: { maxSessionTimeout: "60000" }, check: (r) => expect(zooCfg(r)).to.contain("maxSessionTimeout=60000\n") },
      { set: { snapRetainCount: "5" }, check: (r) => expect(zooCfg(r)).to.contain("autopurge.snapRetainCount=5\n") },
      { set: { purgeInterval: "0" }, check: (r) => expect(zooCfg(r)).to.contain("autopurge.purgeInterval=0\n") },
      {
        set: { metrics: "false" },
        check: (r) => {
          expect(zooCfg(r)).not.to.contain("metricsProvider");
          expect(pod(r).containers[0].ports.map((p: { name: string }) => p.name)).not.to.include("metrics");
          expect(one(r, STS).inputs.spec.template.metadata).not.to.have.property("annotations");
          expect(headless(r).inputs.spec.ports.map((p: { name: string }) => p.name)).not.to.include("metrics");
          expect(JSON.stringify(one(r, NETPOL).inputs.spec)).not.to.contain("metrics");
        },
      },
      {
        set: { metricsAccessNamespace: "monitoring" },
        check: (r) => {
          const rule = one(r, NETPOL).inputs.spec.ingress.find((i: any) => i.ports.some((p: any) => p.port === "metrics"));
          expect(rule.from).to.deep.equal([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }]);
        },
      },
      {
        set: { podMonitor: "true", podMonitorLabel: "release=kube-prometheus-stack" },
        check: (r) => {
          for (const type of [POD_MONITOR, PROMETHEUS_RULE]) {
            const o = one(r, type);
            expect(o.inputs.metadata).to.deep.include({ name: "zk", namespace: "zookeeper" });
            expect(o.inputs.metadata.labels).to.include({ release: "kube-prometheus-stack" });
          }
          expect(one(r, POD_MONITOR).inputs.spec.podMetricsEndpoints[0].port).to.equal("metrics");
          // The alerts speak the stack's language: the ensemble names its argument, the stack its setting.
          const heap = one(r, PROMETHEUS_RULE).inputs.spec.groups[0].rules.find((a: any) => a.alert === "ZooKeeperHeapNearlyFull");
          expect(heap.annotations.description).to.contain("Raise the heap (pulumi config set heap <size, e.g. 2g>;");
        },
      },
      {
        set: {
          backupSchedule: "30 2 * * 1-5",
          backupRetain: "14",
          backupStorageSize: "8Gi",
          clientAccess: "labelled",
          clientPodLabel: "zk-client=true",
        },
        check: (r) => {
          const cron = one(r, CRONJOB);
          expect(cron.inputs.spec.schedule).to.equal("30 2 * * 1-5");
          const template = cron.inputs.spec.jobTemplate.spec.template;
          const env = Object.fromEntries(template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
          expect(env).to.include({ ZK_SERVERS: "zk-cs.zookeeper.svc.cluster.local:2181", BACKUP_RETAIN: "14" });
          // The NetworkPolicy admits labelled pods to the client port: the backup pods carry the label.
          expect(template.metadata.labels).to.include({ "zk-client": "true" });
          expect(template.metadata.labels).not.to.have.property("app");
          const claim = one(r, PVC);
          expect(claim.inputs.spec).to.deep.include({ storageClassName: "zookeeper-data", resources: { requests: { storage: "8Gi" } } });
          const code = ofType(r, CM).find((c) => c.inputs.metadata.name.startsWith("zk-backup-job-"))!;
          expect(code.inputs.immutable).to.equal(true);
          expect(code.inputs.data["jobs.js"]).to.contain("Generated by jobs/bundle.ts");
          for (const o of [cron, claim, code]) expect(o.options.parent).to.contain(BACKUP);
          expect(cron.options.dependencies.length, "the CronJob waits for its code and claim").to.be.greaterThan(1);
        },
      },
    ];
    for (const c of cases) {
      it(`${Object.entries(c.set)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")}`, async () => {
        const { resources } = await runProgram("dev", stackConfig("dev", c.set));
        for (const r of resources.filter(isKubernetesObject)) validateAgainstSchema(r);
        await c.check(resources);
      });
    }

    it("replicas=1 runs standalone, creates no PDB and says why", async () => {
      const { resources, warnings } = await runProgram("dev", stackConfig("dev", { replicas: "1" }));
      expect(ofType(resources, PDB)).to.have.length(0);
      expect(zooCfg(resources)).not.to.contain("server.");
      expect(warnings.join("\n")).to.contain("replicas is 1: no PodDisruptionBudget is created");
    });

    it("an even replica count is deployed with a warning", async () => {
      const { resources, warnings } = await runProgram("dev", stackConfig("dev", { replicas: "4" }));
      expect(one(resources, STS).inputs.spec.replicas).to.equal(4);
      expect(warnings.join("\n")).to.contain("replicas is 4, an even count: it tolerates no more failures (1) than 3 servers would");
    });

    it("replicas=2 gets maxUnavailable 0 and a warning that drains block", async () => {
      const { resources, warnings } = await runProgram("dev", stackConfig("dev", { replicas: "2" }));
      expect(one(resources, PDB).inputs.spec.maxUnavailable).to.equal(0);
      expect(warnings.join("\n")).to.contain("'kubectl drain' of a node that runs one blocks");
    });

    it("the dev stack logs no warning", async () => {
      const { warnings } = await runProgram("dev", stackConfig("dev"));
      expect(warnings).to.deep.equal([]);
    });

    it("a zoo.cfg change makes a new immutable ConfigMap that the pods mount, so the servers roll", async () => {
      const mounted = (r: Registered[]) => pod(r).volumes.find((v: any) => v.name === "config").configMap.name;
      const a = await runProgram("dev", stackConfig("dev"));
      const b = await runProgram("dev", stackConfig("dev", { syncLimit: "3" }));
      const c = await runProgram("dev", stackConfig("dev"));
      expect(serversConfig(a.resources).inputs.immutable).to.equal(true);
      expect(mounted(a.resources)).to.match(/^zk-config-[0-9a-f]{16}$/);
      expect(mounted(a.resources)).to.equal(serversConfig(a.resources).inputs.metadata.name);
      expect(mounted(b.resources)).not.to.equal(mounted(a.resources));
      expect(mounted(b.resources)).to.equal(serversConfig(b.resources).inputs.metadata.name);
      expect(mounted(c.resources), "the same settings give the same name").to.equal(mounted(a.resources));
    });
  });

  describe("what keeps the data and the servers through changes and destroy", () => {
    it("the StorageClass is replaced, the old one first, when a field the API server will not update changes", async () => {
      const { resources } = await runProgram("dev", stackConfig("dev"));
      expect(one(resources, SC).options).to.include({ deleteBeforeReplace: true });
      expect(one(resources, SC).options.replaceOnChanges).to.deep.equal(["reclaimPolicy", "volumeBindingMode"]);
    });

    it("in the default namespace, a pod cleanup is made before the StatefulSet (and so deleted after it)", async () => {
      const { resources } = await runProgram("dev", stackConfig("dev", { namespace: "default" }));
      const cleanup = one(resources, CLEANUP);
      expect(cleanup.inputs).to.include({ namespace: "default", labelSelector: "app=zk", deleteUnreachable: true });
      expect(isSecretInput(cleanup.inputs.access), "the cluster's credentials stay secret").to.equal(true);
      expect(revealed(cleanup.inputs.access).server).to.equal("https://127.0.0.1:40123");
      expect(one(resources, STS).options.dependencies.some((urn) => urn.endsWith(`::${cleanup.name}`))).to.equal(true);
    });

    it("in a namespace of its own, the namespace's deletion removes the pods and no cleanup is made", async () => {
      const { resources } = await runProgram("dev", stackConfig("dev"));
      expect(ofType(resources, CLEANUP)).to.have.length(0);
      expect(ofType(resources, NS)).to.have.length(1);
    });

    it("with volume expansion, one claim patch per server, after the StatefulSet, kept at delete", async () => {
      const { resources } = await runProgram("dev", stackConfig("dev", { storageAllowVolumeExpansion: "true", storageSize: "20Gi" }));
      const patches = ofType(resources, PVC_PATCH);
      expect(patches.map((p) => p.inputs.metadata.name).sort()).to.deep.equal(["datadir-zk-0", "datadir-zk-1", "datadir-zk-2"]);
      for (const p of patches) {
        expect(p.inputs.spec.resources.requests.storage).to.equal("20Gi");
        expect(p.options.retainOnDelete).to.equal(true);
        expect(p.options.dependencies.some((urn) => urn.endsWith(`::${one(resources, STS).name}`))).to.equal(true);
      }
      const rendered = await runProgram("render", stackConfig("render", { storageAllowVolumeExpansion: "true" }));
      expect(ofType(rendered.resources, PVC_PATCH), "no patch among rendered manifests").to.have.length(0);
    });
  });

  // Each rule and each value's parsing is tested on its own in config.test.ts; here, that the
  // program stops before it registers anything.
  describe("bad settings stop the program before any resource exists", () => {
    it("a malformed backup schedule says what is wrong with it", async () => {
      const run = await attemptProgram("dev", stackConfig("dev", { backupSchedule: "60 3 * * *" }));
      expect(run.resources).to.have.length(0);
      expect((run.error as Error).message)
        .to.contain("backupSchedule: must be a cron schedule")
        .and.contain('minute: "60" is outside 0-59')
        .and.contain('got "60 3 * * *"');
    });

    it("monitoring settings that cannot work together", async () => {
      const run = await attemptProgram(
        "dev",
        stackConfig("dev", { metrics: "false", podMonitor: "true", metricsAccessNamespace: "monitoring" }),
      );
      expect(run.resources).to.have.length(0);
      const message = (run.error as Error).message;
      expect(message).to.contain("podMonitor: needs metrics").and.contain("pulumi config set metrics true");
      expect(message).to.contain(
        "metricsAccessNamespace: only narrows who may scrape the metrics port through the NetworkPolicy, and metrics is false",
      );
      const label = await attemptProgram("dev", stackConfig("dev", { podMonitorLabel: "release=x" }));
      expect((label.error as Error).message).to.contain("podMonitorLabel: is only used when podMonitor is true");
    });

    it("a bad value and a broken rule: every problem in one error, and nothing registered", async () => {
      const run = await attemptProgram(
        "dev",
        stackConfig("dev", { cpu: "fast", heap: "lots", antiAffinity: "always", pdbMaxUnavailable: "0", pdbMinAvailable: "2" }),
      );
      expect(run.error).to.be.instanceOf(StackConfigError);
      expect(run.resources, "resources registered despite the error").to.have.length(0);
      const message = (run.error as Error).message;
      expect(message).to.contain("4 problems");
      expect(message).to.contain("pdbMinAvailable: must not be set together with pdbMaxUnavailable (0)");
      expect(message).to.contain('cpu: must be a Kubernetes CPU quantity such as 500m or 1, got "fast" (pulumi config set cpu 500m)');
      expect(message).to.contain("heap: must be a JVM size");
      expect(message).to.contain(
        'antiAffinity: must be one of required, preferred, none, got "always" (pulumi config set antiAffinity required)',
      );
    });
  });
});
