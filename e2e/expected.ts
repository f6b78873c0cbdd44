// What the suite expects of the cluster, read from what the program rendered for the suite's own
// stack: on a real run the objects `pulumi up` sent (the stack's state, e2e/stack.ts), in `npm test`
// the same program under mocks (test/program/e2e-checks.test.ts). No port, name, count or path is written
// out here, so a check cannot expect what the program does not deploy. The one exception is the
// tutorial's names (TUTORIAL), a promise README makes, which the suite holds the render to.
import { PORTS } from "../components/zookeeper/ports";
import { check } from "./assert";

/** A Kubernetes object as the program sends it. */
export interface RenderedObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

/** The tutorial's names ("Running ZooKeeper, A CP Distributed System"): README promises that its kubectl commands work. */
export const TUTORIAL = {
  namespace: "zookeeper",
  statefulSet: "zk",
  headlessService: "zk-hs",
  clientService: "zk-cs",
  disruptionBudget: "zk-pdb",
  appLabel: "zk",
} as const;

export interface Expected {
  namespace: string;
  statefulSet: string;
  headlessService: string;
  clientService: string;
  /** The ensemble's pod selector (what the Services and the budget select). */
  podSelector: Record<string, string>;
  /** The server container's name. */
  container: string;
  replicas: number;
  /** Pod names, in ordinal order. */
  pods: string[];
  /** The servers' FQDNs in ordinal order (the stack's serverFqdns output). */
  serverFqdns: string[];
  podManagementPolicy: string;
  /** The Services' ports as `name:port`, sorted. */
  headlessPorts: string[];
  clientPorts: string[];
  /** The plaintext client port as the pod itself reaches it (zkCli.sh, four-letter words, port-forwards): on every TLS stage. */
  podClientPort: number;
  budget?: { name: string; maxUnavailable?: number; minAvailable?: number; disruptionsAllowed: number };
  /** Required pod anti-affinity: every server on a node of its own. */
  distinctNodes: boolean;
  /** Each server's claim is `<claimTemplate>-<pod>`. */
  claimTemplate: string;
  /** Where the data volume is mounted, and ZooKeeper's dataDir (zoo.cfg). */
  dataMount: string;
  dataDir: string;
  /** zoo.cfg as the pod reads it (the rendered ConfigMap's mount). */
  zooCfgPath: string;
  metrics?: { port: number; path: string };
  backupCronJob?: string;
}

const sortedPorts = (ports: { name?: string; port: number }[] | undefined) => (ports ?? []).map((p) => `${p.name}:${p.port}`).sort();

/** The one object of a kind for which `pick` holds; a render without it is a broken render. */
function only(objects: RenderedObject[], kind: string, pick: (o: RenderedObject) => boolean = () => true): RenderedObject {
  const found = objects.filter((o) => o.kind === kind && pick(o));
  check(found.length === 1, `the render holds ${found.length} ${kind} objects of the ensemble, expected 1`);
  return found[0];
}

/** A key of zoo.cfg (the rendered ConfigMap's), e.g. dataDir. */
function zooCfgValue(zooCfg: string, key: string): string | undefined {
  return new RegExp(`^${key}=(.*)$`, "m").exec(zooCfg)?.[1];
}

/** The expectations from the rendered objects and the stack's outputs. */
export function expectedFromRender(objects: RenderedObject[], outputs: { serverFqdns?: unknown }): Expected {
  const sts = only(objects, "StatefulSet");
  const selector: Record<string, string> = sts.spec.selector.matchLabels;
  const sameSelector = (o: RenderedObject) => JSON.stringify(o.spec?.selector) === JSON.stringify(selector);
  const headless = only(objects, "Service", (o) => o.metadata.name === sts.spec.serviceName);
  const client = only(objects, "Service", (o) => o.spec?.clusterIP !== "None" && o.spec?.type === "ClusterIP" && sameSelector(o));
  const pdb = objects.find((o) => o.kind === "PodDisruptionBudget");
  const cron = objects.find((o) => o.kind === "CronJob");
  const pod = sts.spec.template;
  const container = pod.spec.containers[0];
  const claimTemplate: string = sts.spec.volumeClaimTemplates[0].metadata.name;
  const configMapOf = (volume: any) => objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === volume.configMap?.name);
  const configVolume = pod.spec.volumes.find((v: any) => configMapOf(v)?.data?.["zoo.cfg"] !== undefined);
  check(configVolume, "the render mounts no ConfigMap holding zoo.cfg");
  const zooCfg: string = configMapOf(configVolume)!.data["zoo.cfg"];
  const dataDir = zooCfgValue(zooCfg, "dataDir");
  check(dataDir, "the rendered zoo.cfg names no dataDir");
  const metricsPort = container.ports?.find((p: any) => String(p.containerPort) === pod.metadata.annotations?.["prometheus.io/port"]);
  const replicas: number = sts.spec.replicas;
  const fqdns = outputs.serverFqdns;
  check(
    Array.isArray(fqdns) && fqdns.length === replicas,
    `the stack's serverFqdns output names ${JSON.stringify(fqdns)}, not ${replicas} servers`,
  );
  const budget = pdb
    ? {
        name: pdb.metadata.name,
        maxUnavailable: pdb.spec.maxUnavailable,
        minAvailable: pdb.spec.minAvailable,
        // The disruption controller with every server healthy (kubernetes pkg/controller/disruption getExpectedPodCount).
        disruptionsAllowed: pdb.spec.maxUnavailable !== undefined ? pdb.spec.maxUnavailable : replicas - pdb.spec.minAvailable,
      }
    : undefined;
  return {
    namespace: sts.metadata.namespace ?? "default",
    statefulSet: sts.metadata.name,
    headlessService: headless.metadata.name,
    clientService: client.metadata.name,
    podSelector: selector,
    container: container.name,
    replicas,
    pods: Array.from({ length: replicas }, (_, i) => `${sts.metadata.name}-${i}`),
    serverFqdns: fqdns as string[],
    podManagementPolicy: sts.spec.podManagementPolicy,
    headlessPorts: sortedPorts(headless.spec.ports),
    clientPorts: sortedPorts(client.spec.ports),
    podClientPort: PORTS.client,
    budget,
    distinctNodes: Boolean(pod.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length),
    claimTemplate,
    dataMount: container.volumeMounts.find((m: any) => m.name === claimTemplate).mountPath,
    dataDir,
    zooCfgPath: `${container.volumeMounts.find((m: any) => m.name === configVolume.name).mountPath}/zoo.cfg`,
    metrics: metricsPort ? { port: metricsPort.containerPort, path: pod.metadata.annotations["prometheus.io/path"] } : undefined,
    backupCronJob: cron?.metadata.name,
  };
}

/** The render keeps the tutorial's names, so every kubectl command of the tutorial works (README). */
export function tutorialNamesKept(e: Expected): void {
  const found = {
    namespace: e.namespace,
    statefulSet: e.statefulSet,
    headlessService: e.headlessService,
    clientService: e.clientService,
    disruptionBudget: e.budget?.name,
    appLabel: e.podSelector.app,
  };
  const differ = Object.entries(TUTORIAL).filter(([key, name]) => found[key as keyof typeof found] !== name);
  check(
    differ.length === 0,
    `the program's names are not the tutorial's: ${differ.map(([key, name]) => `${key} ${found[key as keyof typeof found]} (tutorial: ${name})`).join(", ")}`,
  );
}
