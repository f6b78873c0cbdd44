import { expect } from "chai";
import { parseHeap, parseByteQuantity, parseCpu, memoryForHeap } from "../../components/zookeeper/quantities";
import { ensembleNames, serverFqdns, clientEndpoint, connectionString } from "../../components/zookeeper/names";
import { renderZooCfg } from "../../components/zookeeper/zoocfg";
import { resolveEnsemble, EnsembleOptions } from "../../components/zookeeper/options";
import { renderStatefulSet, renderVolumeExpansions } from "../../components/zookeeper/statefulset";
import { renderHeadlessService, renderClientService, renderNodePortService } from "../../components/zookeeper/services";
import { renderNamespace, renderDisruptionBudget } from "../../components/zookeeper/policy";
import { renderConfigFiles, renderConfigMap } from "../../components/zookeeper/configmap";
import { validateManifest } from "../../harness/schema";

const settings = (o: EnsembleOptions = {}) => resolveEnsemble(o);
const sts = (o: EnsembleOptions = {}) => renderStatefulSet(settings(o), "zk-config-0123456789abcdef");

/** Does a label selector (matchLabels / matchExpressions with In) select these labels? */
function selects(selector: any, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e: any) => e.operator === "In" && e.values.includes(labels[e.key]));
  return byLabels && byExpressions;
}

describe("pure render functions", () => {
  describe("quantities", () => {
    it("parses JVM heap sizes", () => {
      expect(parseHeap("512m")).to.equal(512 * 2 ** 20);
      expect(parseHeap("2G")).to.equal(2 * 2 ** 30);
      for (const bad of ["512", "0m", "1.5g", "512mb", "", "-1g"]) expect(parseHeap(bad), bad).to.equal(undefined);
    });
    it("parses Kubernetes quantities", () => {
      expect(parseByteQuantity("1Gi")).to.equal(2 ** 30);
      expect(parseByteQuantity("500M")).to.equal(5e8);
      expect(parseByteQuantity("lots")).to.equal(undefined);
      expect(parseCpu("500m")).to.equal(500);
      expect(parseCpu("1.5")).to.equal(1500);
      expect(parseCpu("fast")).to.equal(undefined);
    });
    it("derives the container memory from the heap with off-heap room", () => {
      expect(memoryForHeap(parseHeap("512m")!)).to.equal("1024Mi");
      expect(memoryForHeap(parseHeap("2g")!)).to.equal("3072Mi");
      expect(parseByteQuantity(memoryForHeap(parseHeap("64m")!))!).to.be.greaterThan(parseHeap("64m")!);
    });
  });

  describe("names", () => {
    it("are the tutorial's by default and prefixed on request", () => {
      expect(ensembleNames()).to.deep.include({
        statefulSet: "zk",
        headlessService: "zk-hs",
        clientService: "zk-cs",
        disruptionBudget: "zk-pdb",
        appLabel: "zk",
      });
      expect(ensembleNames("a-")).to.deep.include({ statefulSet: "a-zk", headlessService: "a-zk-hs", appLabel: "a-zk" });
    });
    it("give each server its FQDN and the client a connection string", () => {
      const names = ensembleNames();
      const fqdns = serverFqdns(names, "ns", "cluster.local", 2);
      expect(fqdns).to.deep.equal(["zk-0.zk-hs.ns.svc.cluster.local", "zk-1.zk-hs.ns.svc.cluster.local"]);
      expect(connectionString(fqdns, 2181)).to.equal("zk-0.zk-hs.ns.svc.cluster.local:2181,zk-1.zk-hs.ns.svc.cluster.local:2181");
      expect(clientEndpoint(names, "ns", "cluster.local", 2181)).to.equal("zk-cs.ns.svc.cluster.local:2181");
    });
  });

  describe("zoo.cfg", () => {
    const cfg = renderZooCfg({ serverFqdns: ["a", "b", "c"], tunables: resolveEnsemble({}).zookeeper });
    it("numbers servers from 1: server N+1 is ordinal N", () => {
      expect(cfg).to.contain("server.1=a:2888:3888\nserver.2=b:2888:3888\nserver.3=c:2888:3888\n");
    });
    it("keeps data and transaction log on the data volume", () => {
      expect(cfg).to.contain("dataDir=/var/lib/zookeeper/data\n");
      expect(cfg).to.contain("dataLogDir=/var/lib/zookeeper/data/log\n");
    });
    it("allows the four-letter words the probes and checks use", () => {
      // ruok and srvr for the probes; stat, mntr and conf for the tutorial's checks and monitoring.
      expect(cfg).to.contain("4lw.commands.whitelist=ruok,srvr,stat,mntr,conf\n");
    });
    it("does not listen on all IPs for the quorum; the client port on every address of the pod", () => {
      expect(cfg).not.to.match(/quorumListenOnAllIPs/);
      expect(cfg).not.to.match(/clientPortAddress/);
      const bound = renderZooCfg({ serverFqdns: ["a"], tunables: resolveEnsemble({}).zookeeper, bindAddress: "127.0.0.9" });
      expect(bound).to.contain("clientPortAddress=127.0.0.9\n");
    });
    it("keeps the AdminServer, which has no authentication, on the pod's loopback, without snapshot or restore", () => {
      expect(cfg).to.contain("admin.serverAddress=127.0.0.1\n");
      expect(cfg).to.contain("admin.snapshot.enabled=false\nadmin.restore.enabled=false\n");
    });
    it("lists no servers for one server, which runs standalone", () => {
      expect(renderZooCfg({ serverFqdns: ["a"], tunables: resolveEnsemble({}).zookeeper })).not.to.contain("server.");
    });
  });

  describe("the StatefulSet", () => {
    it("anti-affinity selects the ensemble's own pods per node (the tutorial's zk-headless bug)", () => {
      for (const prefix of ["", "orders-"]) {
        const s = sts({ namePrefix: prefix });
        const labels = s.spec.template.metadata.labels;
        const term = s.spec.template.spec.affinity!.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution![0];
        expect(selects(term.labelSelector, labels), prefix).to.equal(true);
        expect(selects(term.labelSelector, sts({ namePrefix: "other-" }).spec.template.metadata.labels)).to.equal(false);
        expect(term.topologyKey).to.equal("kubernetes.io/hostname");
      }
      const soft = sts({ antiAffinity: "preferred" }).spec.template.spec.affinity!.podAntiAffinity
        .preferredDuringSchedulingIgnoredDuringExecution![0];
      expect(soft.weight).to.equal(100);
      expect(selects(soft.podAffinityTerm.labelSelector, { app: "zk" })).to.equal(true);
      expect(sts({ antiAffinity: "none" }).spec.template.spec).not.to.have.property("affinity");
    });

    it("selectors of the StatefulSet, Services and PDB all select the pods", () => {
      const s = settings();
      const labels = renderStatefulSet(s, "h").spec.template.metadata.labels;
      expect(selects(renderStatefulSet(s, "h").spec.selector, labels)).to.equal(true);
      expect(selects({ matchLabels: renderHeadlessService(s).spec.selector }, labels)).to.equal(true);
      expect(selects({ matchLabels: renderClientService(s).spec.selector }, labels)).to.equal(true);
      expect(selects(renderDisruptionBudget(s)!.spec.selector, labels)).to.equal(true);
    });

    it("every Service port targets a container port by name, and every container port is published", () => {
      const s = settings({ clientNodePort: 30181 });
      const named = new Map(renderStatefulSet(s, "h").spec.template.spec.containers[0].ports.map((p: any) => [p.name, p.containerPort]));
      const services = [renderHeadlessService(s), renderClientService(s), renderNodePortService(s)!];
      const published = new Set<string>();
      for (const svc of services) {
        for (const port of svc.spec.ports) {
          expect(named.get(port.targetPort), `${svc.metadata.name} ${port.name}`).to.equal(port.port);
          published.add(port.targetPort);
        }
      }
      expect([...published].sort()).to.deep.equal([...named.keys()].sort());
    });

    it("passes the restricted Pod Security profile", () => {
      const pod = sts().spec.template.spec;
      expect(pod.securityContext).to.deep.include({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
      expect(pod.securityContext.seccompProfile).to.deep.equal({ type: "RuntimeDefault" });
      const c = pod.containers[0].securityContext;
      expect(c.allowPrivilegeEscalation).to.equal(false);
      expect(c.capabilities.drop).to.deep.equal(["ALL"]);
      expect(renderNamespace(settings()).metadata.labels["pod-security.kubernetes.io/enforce"]).to.equal("restricted");
      expect(pod.automountServiceAccountToken, "no API token in a pod that never uses one").to.equal(false);
    });

    it("recovers from a full restart and keeps data when deleted or scaled down", () => {
      const spec = sts().spec;
      expect(spec.podManagementPolicy).to.equal("Parallel");
      expect(spec.updateStrategy.type, "rollOrder leader-last: the roll Job deletes the pods").to.equal("OnDelete");
      expect(spec.persistentVolumeClaimRetentionPolicy).to.deep.equal({ whenDeleted: "Retain", whenScaled: "Retain" });
    });

    it("probes liveness with ruok and readiness with srvr, each bounded", () => {
      const c = sts().spec.template.spec.containers[0];
      expect(c.livenessProbe.exec.command).to.deep.equal(["bash", "/etc/zookeeper-k8s/zk-probe.sh", "live"]);
      expect(c.readinessProbe.exec.command).to.deep.equal(["bash", "/etc/zookeeper-k8s/zk-probe.sh", "ready"]);
      expect(c.livenessProbe.timeoutSeconds).to.be.greaterThan(2);
    });

    it("gives a starting server startupSeconds to load its data before liveness can restart it", () => {
      for (const startupSeconds of [600, 1801]) {
        const c = sts({ startupSeconds }).spec.template.spec.containers[0];
        expect(c.startupProbe.exec.command).to.deep.equal(["bash", "/etc/zookeeper-k8s/zk-probe.sh", "live"]);
        const budget = c.startupProbe.periodSeconds * c.startupProbe.failureThreshold;
        expect(budget)
          .to.be.at.least(startupSeconds)
          .and.below(startupSeconds + c.startupProbe.periodSeconds);
        // The kubelet runs liveness and readiness only after the startup probe passed.
        expect(c.livenessProbe.initialDelaySeconds).to.equal(0);
        expect(c.readinessProbe.initialDelaySeconds).to.equal(0);
      }
    });

    it("is deleted with its pods orphaned, so a replacement hands them to the new StatefulSet", () => {
      expect(sts().metadata.annotations).to.deep.equal({ "pulumi.com/deletionPropagationPolicy": "orphan" });
    });

    it("with rollOrder ordinal, rolls every server (partition 0) and leaves maxUnavailable to the API server's default", () => {
      expect(sts({ rollOrder: "ordinal" }).spec.updateStrategy).to.deep.equal({ type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    });

    it("gives the start script the pod's own address", () => {
      expect(sts().spec.template.spec.containers[0].env).to.deep.include({
        name: "POD_IP",
        valueFrom: { fieldRef: { fieldPath: "status.podIP" } },
      });
    });

    it("grows each server's existing claim to the size only when volume expansion is asked for", () => {
      expect(renderVolumeExpansions(settings({ storageSize: "20Gi" }))).to.deep.equal([]);
      const patches = renderVolumeExpansions(settings({ storageSize: "20Gi", expandVolumes: true, namespace: "ns" }));
      expect(patches.map((p) => p.metadata.name)).to.deep.equal(["datadir-zk-0", "datadir-zk-1", "datadir-zk-2"]);
      for (const p of patches) {
        expect(p.metadata.namespace).to.equal("ns");
        expect(p.spec).to.deep.equal({ resources: { requests: { storage: "20Gi" } } });
        // The claim's size belongs to the controller that made it: the patch must take it over.
        expect(p.metadata.annotations).to.deep.equal({ "pulumi.com/patchForce": "true" });
      }
      // The StatefulSet controller names claims <template>-<pod>.
      const s = sts();
      expect(patches[0].metadata.name).to.equal(`${s.spec.volumeClaimTemplates[0].metadata.name}-${s.metadata.name}-0`);
    });

    it("mounts the data volume where zoo.cfg puts the data, with the given size and class", () => {
      const s = sts({ storageSize: "5Gi", storageClassName: "fast" }).spec;
      const claim = s.volumeClaimTemplates[0];
      expect(claim.metadata.name).to.equal("datadir");
      expect(claim.spec).to.deep.include({ storageClassName: "fast", accessModes: ["ReadWriteOnce"] });
      expect(claim.spec.resources.requests.storage).to.equal("5Gi");
      expect(s.template.spec.containers[0].volumeMounts).to.deep.include({ name: "datadir", mountPath: "/var/lib/zookeeper" });
      expect(sts().spec.volumeClaimTemplates[0].spec).not.to.have.property("storageClassName");
    });

    it("every rendered manifest is valid against the upstream schema", () => {
      for (const o of [{}, { replicas: 1 }, { antiAffinity: "preferred" as const }, { pdbMinAvailable: 2 }]) {
        const s = settings(o);
        const files = renderConfigFiles(s);
        const manifests = [
          renderNamespace(s),
          renderConfigMap(s, files),
          renderHeadlessService(s),
          renderClientService(s),
          renderStatefulSet(s, renderConfigMap(s, files).metadata.name),
          renderDisruptionBudget(s),
        ];
        for (const m of manifests) if (m) validateManifest(m);
      }
    });
  });

  describe("defaults", () => {
    it("are applied without touching the caller's object", () => {
      const options: EnsembleOptions = { replicas: 5 };
      const s = resolveEnsemble(options);
      expect(options).to.deep.equal({ replicas: 5 });
      expect(s.replicas).to.equal(5);
      expect(s.heap).to.equal("512m");
    });
    it("refuse a budget that breaks the quorum for programmatic callers too", () => {
      expect(() => resolveEnsemble({ replicas: 3, pdbMaxUnavailable: 2 })).to.throw("pdbMaxUnavailable: must be at most 1");
    });
    it("refuse the stack's other rules between arguments for programmatic callers too, naming the arguments", () => {
      expect(() => resolveEnsemble({ heap: "1g", memory: "1Gi" })).to.throw(
        'memory: must exceed the heap (1g) with room for the JVM\'s off-heap memory, got "1Gi" (memory: 1536Mi, or leave memory unset to derive it from the heap)',
      );
      expect(() => resolveEnsemble({ zookeeper: { minSessionTimeout: 50000, maxSessionTimeout: 40000 } })).to.throw(
        "zookeeper.maxSessionTimeout: must be at least zookeeper.minSessionTimeout (50000)",
      );
      expect(() => resolveEnsemble({ metrics: false, monitoring: {} })).to.throw(/monitoring: needs metrics: .*leave monitoring unset/);
    });
  });
});
