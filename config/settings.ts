import { ENSEMBLE_DEFAULTS, TIMING_PRESETS } from "../components/zookeeper/options";
import { parseHeap, parseByteQuantity, parseCpu } from "../components/zookeeper/quantities";
import { integer, text, oneOf, boolean, jsonList, Setting } from "./setting-kinds";
import { parseTenants, tenantsProblem } from "../components/zookeeper/tenants";
import { KIND_DEFAULTS } from "../components/kind/config";
import { KIND_CLUSTER_NAME } from "../components/kind/provider";
import { kubeconfigSource } from "../components/kube-api/kubeconfig";
import { validateCron, BACKUP_DEFAULTS } from "../components/backup/cronjob";
import { clientUsersProblem, MIN_PASSWORD_LENGTH } from "../components/zookeeper/client-auth";
import { ADMIN_USER } from "../components/zookeeper/users";
import { TLS_STAGES, MEMBERSHIP_MODES } from "../components/zookeeper/transitions";
import { ROLL_ORDERS } from "../components/zookeeper/roll-order";
import { imageZooKeeperVersion, olderThan, MIN_ZOOKEEPER_VERSION } from "../components/zookeeper/versions";

/** key=value, as a Kubernetes label: an optional DNS-subdomain prefix, a name, and a value. */
const LABEL_PAIR =
  /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?=([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const positive = (parse: (v: string) => number | undefined) => (v: string) => (parse(v) ?? 0) > 0;
/** The last path segment carries a tag or a digest: an unpinned image changes under a running ensemble. */
const pinnedImage = (v: string) => /^[a-z0-9][a-z0-9._\-/:@]*$/.test(v) && /[:@]/.test(v.slice(v.lastIndexOf("/") + 1));

/** What is wrong with the tenants setting's text (Pulumi hands a list over as JSON): not JSON, or a bad list. */
function tenantsTextProblem(text: string): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "must be a JSON list (pulumi config set --path 'tenants[0].name' kafka writes one)";
  }
  return tenantsProblem(value);
}

const d = ENSEMBLE_DEFAULTS;
const nonEmpty = (v: string) => v.trim().length > 0;
const zk = d.zookeeper;

/** Every stack setting of the project, by config key. Pulumi.yaml declares exactly these. */
export const SETTINGS = {
  clusterMode: oneOf({
    values: ["kind", "existing", "render"] as const,
    default: "kind",
    description:
      "Where the ensemble goes: kind (create a local kind cluster), existing (a cluster from kubeconfig), render (write the manifests to renderYamlTo, no cluster).",
  }),
  clusterName: text({
    valid: KIND_CLUSTER_NAME,
    expected: "must be a kind cluster name: 1-50 of a-z, 0-9, '.' or '-', starting and ending with a letter or digit",
    example: "kind-zookeeper-dev",
    default: undefined,
    description:
      "kind mode: the kind cluster's name (kubectl context kind-<name>). Default: <project>-<stack>, e.g. kind-zookeeper-dev. Changing it replaces the kind cluster: the ensemble and its data are destroyed with it.",
  }),
  workers: integer({
    min: 0,
    max: 20,
    default: KIND_DEFAULTS.workers,
    description:
      "kind mode: worker nodes beside the control plane (3: the tutorial's four nodes); 0 makes a one-node cluster. Changing it replaces the kind cluster: the ensemble and its data are destroyed with it.",
  }),
  nodeImage: text({
    valid: pinnedImage,
    expected: "must be a kindest/node image reference with a tag or digest",
    example: KIND_DEFAULTS.nodeImage,
    default: KIND_DEFAULTS.nodeImage,
    description:
      "kind mode: node image of every node; the default is kind v0.32.0's, pinned by digest. Changing it replaces the kind cluster: the ensemble and its data are destroyed with it.",
  }),
  kindCreateTimeoutSeconds: integer({
    min: 30,
    default: KIND_DEFAULTS.createTimeoutSeconds,
    description:
      "kind mode: seconds 'kind create cluster' may wait for the control plane (a first run also pulls the node image), and then again for every node to be Ready.",
  }),
  kubeconfig: text({
    valid: nonEmpty,
    expected: "must be a kubeconfig file path or a kubeconfig's content",
    example: "~/.kube/config",
    default: undefined,
    sensitive: (raw) => kubeconfigSource(raw).kind === "content",
    description:
      "existing mode (required): kubeconfig path or content (set content with --secret). The program reads it at each pulumi up and hands the Kubernetes provider only the chosen context's cluster and credentials; it never falls back to the ambient kubeconfig.",
  }),
  kubeContext: text({
    valid: nonEmpty,
    expected: "must be a context name of the kubeconfig",
    example: "my-cluster",
    default: undefined,
    description:
      "existing mode: the kubeconfig context to deploy to; required when the kubeconfig has more than one context, so that a later kubectl config use-context cannot move the ensemble. Changing it to another cluster replaces every object: they are created there and deleted here.",
  }),
  renderYamlTo: text({
    valid: nonEmpty,
    expected: "must be a directory path",
    example: "./rendered",
    default: undefined,
    description:
      "render mode (required): directory the Kubernetes provider writes every manifest to instead of applying it (it still reads the ambient kubeconfig, and contacts that cluster if it can).",
  }),
  storageClassName: text({
    valid: DNS_SUBDOMAIN,
    expected: "must be a DNS subdomain such as zookeeper-data",
    example: "zookeeper-data",
    default: "zookeeper-data",
    description:
      "Name of the StorageClass the program creates for the servers' data volumes (cluster-wide: two stacks on one cluster need different names). Changing it applies to volumes made later; existing servers keep theirs (docs/changing-settings.md: Storage changes).",
  }),
  storageProvisioner: text({
    valid: /^[a-zA-Z0-9][a-zA-Z0-9._\/-]*$/,
    expected: "must be a provisioner (CSI driver) name such as rancher.io/local-path or ebs.csi.aws.com",
    example: "rancher.io/local-path",
    default: undefined,
    description:
      "The StorageClass's provisioner. Default in kind mode: rancher.io/local-path (shipped by kind); required in existing and render modes. Changing it replaces the StorageClass; existing volumes stay where they are.",
  }),
  storageReclaimPolicy: oneOf({
    values: ["Retain", "Delete"] as const,
    default: "Retain",
    description:
      "What happens to a data volume when its claim is deleted: Retain keeps the data (durable storage), Delete removes it. Changing it replaces the StorageClass and applies to volumes made later (docs/changing-settings.md: Storage changes).",
  }),
  storageAllowVolumeExpansion: boolean({
    default: false,
    description:
      "Let data volumes grow: a larger storageSize then grows every existing claim in place. The provisioner must support it (kind's local-path does not).",
  }),
  exposeOnHost: boolean({
    default: false,
    description:
      "kind mode: expose the client port on the host at 127.0.0.1:<hostPort> (a NodePort Service and a kind port mapping). Changing it replaces the kind cluster: the ensemble and its data are destroyed with it.",
  }),
  hostPort: integer({
    min: 1,
    max: 65535,
    default: 2181,
    description:
      "kind mode with exposeOnHost: the host port on 127.0.0.1 that reaches the ensemble's client port. Changing it replaces the kind cluster: the ensemble and its data are destroyed with it.",
  }),
  networkPolicy: boolean({
    default: d.networkPolicy,
    description:
      "A NetworkPolicy admitting the quorum and election ports from the ensemble's own pods only, the client port per clientAccess, and nothing else (the AdminServer stays on each pod's loopback). kindnet enforces it on kind.",
  }),
  clientAccess: oneOf({
    values: ["any", "namespace", "labelled"] as const,
    default: d.clientAccess.mode,
    description:
      "With networkPolicy: who may reach the client port: any pod or node (what exposeOnHost needs), the pods of the ensemble's namespace, or pods labelled clientPodLabel in any namespace.",
  }),
  clientPodLabel: text({
    valid: LABEL_PAIR,
    expected: "must be a label as key=value, such as zk-client=true",
    example: "zk-client=true",
    default: undefined,
    description: "With clientAccess labelled: the label (key=value) a pod needs to reach the client port.",
  }),
  tls: oneOf({
    values: TLS_STAGES,
    default: "off",
    description:
      "TLS for the quorum and the clients: on makes the servers talk to each other over TLS only and gives clients the secure port 2281 (the plaintext 2181 stays on each pod's loopback, for the probes and port-forward), with certificates from a CA the program makes (the caCertificate output) or from tlsSecretName. A running ensemble goes there one step per update, off -> accept -> prefer -> on (or back), each a roll with no downtime; a new one may start at on (docs/security.md).",
  }),
  tlsSecretName: text({
    valid: DNS_SUBDOMAIN,
    expected: "must be the name of a Secret in the ensemble's namespace",
    example: "zk-tls",
    default: undefined,
    description:
      "With tls other than off: your Secret in the ensemble's namespace with tls.crt, tls.key (PKCS#8) and ca.crt, e.g. from cert-manager (privateKey.encoding: PKCS8), valid for *.zk-hs.<namespace>.svc.<clusterDomain> and zk-cs's names. Default: certificates made by the program.",
  }),
  clientAuth: oneOf({
    values: ["none", "digest"] as const,
    default: "none",
    description: `Client authentication: digest makes every session authenticate with SASL DIGEST-MD5 as one of clientUsers, or as the super user ${ADMIN_USER} whose password the program makes (the adminPassword output). Changing it rolls the servers.`,
  }),
  clientUsers: text({
    valid: (v) => clientUsersProblem(v) === undefined,
    why: clientUsersProblem,
    mustBeSecret: true,
    standIn: "user:not-decrypted-by-check",
    expected: `must be user:password[,user:password...], user names of letters, digits and '_', passwords of at least ${MIN_PASSWORD_LENGTH} printable characters`,
    example: "app:<a password of 12 or more characters>",
    default: undefined,
    description:
      "With clientAuth digest (required then, and set with --secret): the users, as user:password[,user:password...]. Changing it rolls the servers.",
  }),
  tenants: jsonList({
    problem: tenantsTextProblem,
    parse: parseTenants,
    expected:
      "must be a list of tenants, each {name, chroot?, quota?: {bytes?, nodes?}, deleteData?, secretNamespace?}, names unique, chroots not nested",
    example: `'[{"name":"kafka","quota":{"nodes":100000}}]'`,
    description:
      "With clientAuth digest (required, not implied: it closes every session that does not authenticate): client applications, each " +
      "{name, chroot?, quota?: {bytes?, nodes?}, deleteData?, secretNamespace?}; set with pulumi config set --path 'tenants[0].name' kafka. Each gets " +
      "a SASL user (name with - as _) and password, its chroot (default /<name>) readable and writable by that user only, hard " +
      "quota limits (zoo.cfg enforceQuota=true), and a Secret <prefix>zk-tenant-<name> (in secretNamespace, an existing namespace, default the ensemble's) with its connection string, user, password, " +
      "JAAS Client section and CA (the tenants output too). deleteData: true retires a tenant: its user and Secret go and its data " +
      "is deleted; a tenant removed from the list keeps its data. Adding, removing or retiring a tenant changes the servers' JAAS " +
      "file, read only at start: it rolls the servers (docs/tenants.md). With tls prefer or on the tenants Job uses the secure client port.",
  }),
  metrics: boolean({
    default: d.metrics,
    description:
      "ZooKeeper's Prometheus exporter on port 7000 of each server (/metrics): a container port named metrics, a port on the headless Service, prometheus.io/* pod annotations. Changing it changes zoo.cfg and rolls the servers.",
  }),
  metricsAccessNamespace: text({
    valid: DNS_LABEL,
    expected: "must be a namespace name (a DNS label) such as monitoring",
    example: "monitoring",
    default: undefined,
    description:
      "With networkPolicy and metrics: the namespace whose pods may reach the metrics port (where Prometheus runs). Default: any pod or node.",
  }),
  podMonitor: boolean({
    default: false,
    description:
      "With metrics: a PodMonitor and a PrometheusRule (no leader, server down, followers not in sync, requests queued, slow fsync, heap nearly full) for the Prometheus Operator; its monitoring.coreos.com/v1 CRDs must be installed.",
  }),
  podMonitorLabel: text({
    valid: LABEL_PAIR,
    expected: "must be a label as key=value, such as release=kube-prometheus-stack",
    example: "release=kube-prometheus-stack",
    default: undefined,
    description:
      "With podMonitor: a label (key=value) on the PodMonitor and PrometheusRule, the one your Prometheus selects them by (kube-prometheus-stack: release=<release>).",
  }),
  backupSchedule: text({
    valid: nonEmpty,
    why: validateCron,
    expected: "must be a cron schedule (minute hour day-of-month month day-of-week, in UTC) or @hourly, @daily, @weekly, @monthly, @yearly",
    example: '"0 3 * * *"',
    default: undefined,
    description:
      "Cron schedule (five fields, UTC, or @hourly/@daily/@weekly/@monthly/@yearly) of in-cluster backups: a CronJob writes a backup of every persistent znode to a volume claim of its own. Unset: no scheduled backups.",
  }),
  backupRetain: integer({
    min: 1,
    max: 10000,
    default: BACKUP_DEFAULTS.retain,
    description: "With backupSchedule: backups kept; the oldest beyond this are deleted after each successful backup.",
  }),
  backupStorageSize: text({
    valid: positive(parseByteQuantity),
    expected: "must be a Kubernetes storage quantity such as 5Gi",
    example: "5Gi",
    default: BACKUP_DEFAULTS.storageSize,
    description:
      "With backupSchedule: size of the backup volume claim, on storageClassName; room for backupRetain + 1 backups. Set when the claim is made: later it grows only with storageAllowVolumeExpansion.",
  }),
  zoneSpread: oneOf({
    values: ["none", "preferred", "required"] as const,
    default: d.zoneSpread,
    description: "Spread servers over zones (topology.kubernetes.io/zone): none, preferred, or required. kind nodes have no zones.",
  }),
  replicas: integer({
    min: 1,
    default: d.replicas,
    description:
      "Number of ZooKeeper servers. Odd counts are usual: an even count tolerates no more failures than one fewer. With membership dynamic a running ensemble takes any new size in one update, without restarting a server; with static it grows or shrinks one server per update (each changes every server's list and rolls them).",
  }),
  membership: oneOf({
    values: MEMBERSHIP_MODES,
    default: d.membership,
    description:
      "How servers know the members: static (a server list in zoo.cfg; a resize rolls every server, one server per update) or dynamic (ZooKeeper's reconfig: a change of replicas adds or removes servers while the others keep running, in one update; docs/changing-settings.md: Resizing). Change it alone, with replicas unchanged: it rolls the servers. Not with tls on yet.",
  }),
  rollOrder: oneOf({
    values: ROLL_ORDERS,
    default: d.rollOrder,
    description:
      "How the servers restart when a setting changes their pods: leader-last (a Job restarts the followers one at a time, each back and synced before the next, and the leader last: one election per roll; pulumi up waits for it) or ordinal (the StatefulSet's own roll, highest ordinal first, whoever leads: up to one election per server). Choose ordinal where the Job may not delete pods (no RBAC for it). With tls prefer or on the Job asks the servers on the secure client port (docs/changing-settings.md: Rolling restarts).",
  }),
  heap: text({
    valid: (v) => parseHeap(v) !== undefined,
    expected: "must be a JVM size: a whole number followed by m or g, such as 512m or 2g",
    example: "512m",
    default: d.heap,
    description: "JVM heap of each server (-Xms and -Xmx), e.g. 512m or 2g.",
  }),
  memory: text({
    valid: positive(parseByteQuantity),
    expected: "must be a Kubernetes memory quantity such as 1Gi or 768Mi",
    example: "1Gi",
    default: undefined,
    description:
      "Container memory request and limit; must exceed the heap. Default: the heap plus max(512Mi, heap/2) for the JVM's off-heap memory (1024Mi for 512m).",
  }),
  cpu: text({
    valid: positive(parseCpu),
    expected: "must be a Kubernetes CPU quantity such as 500m or 1",
    example: "500m",
    default: d.cpu,
    description: "Container CPU request of each server (no CPU limit is set: throttling forces leader changes).",
  }),
  antiAffinity: oneOf({
    values: ["required", "preferred", "none"] as const,
    default: d.antiAffinity,
    description: "Server spreading over nodes: required (never two servers on one node), preferred (spread when possible), none.",
  }),
  pdbMaxUnavailable: integer({
    min: 0,
    default: undefined,
    example: "1",
    description:
      "PodDisruptionBudget maxUnavailable; at most replicas - quorum. Conflicts with pdbMinAvailable. Default when neither is set: 1 (0 for 2 servers; no PDB for 1).",
  }),
  pdbMinAvailable: integer({
    min: 1,
    default: undefined,
    example: "2",
    description: "PodDisruptionBudget minAvailable; at least the quorum, floor(replicas/2)+1. Conflicts with pdbMaxUnavailable.",
  }),
  storageSize: text({
    valid: positive(parseByteQuantity),
    expected: "must be a Kubernetes storage quantity such as 10Gi",
    example: "10Gi",
    default: d.storageSize,
    description:
      "Size of each server's data volume (PersistentVolumeClaim). A larger size grows the existing claims when storageAllowVolumeExpansion is on; otherwise it applies to volumes made later. The servers keep running either way.",
  }),
  startupTimeoutSeconds: integer({
    min: 30,
    default: d.startupSeconds,
    description:
      "Seconds a server may take to start, loading its snapshot and transaction logs, before Kubernetes restarts it (the startup probe); raise it for large data.",
  }),
  namespace: text({
    valid: DNS_LABEL,
    expected: "must be a DNS label: at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit",
    example: "zookeeper",
    default: d.namespace,
    description:
      "Namespace of the ensemble; created and labelled for Pod Security 'restricted' unless it is 'default'. Changing it deploys a new, empty ensemble there and deletes this one (its volumes are kept as Released when the reclaim policy is Retain).",
  }),
  namePrefix: text({
    valid: /^([a-z][a-z0-9-]{0,39})?$/,
    expected: "must be empty or up to 40 lowercase letters, digits or '-', starting with a letter",
    example: "orders-",
    default: d.namePrefix,
    description:
      "Prefix of every object name and of the app label (orders- gives orders-zk, orders-zk-hs, ...); empty: the tutorial's names. Changing it deploys a new, empty ensemble and deletes this one.",
  }),
  image: text({
    valid: (v) => pinnedImage(v) && !olderThan(imageZooKeeperVersion(v) ?? MIN_ZOOKEEPER_VERSION, MIN_ZOOKEEPER_VERSION),
    expected:
      `must be an image reference with a tag or digest, such as ${d.image}; a tag naming a ZooKeeper version must name ` +
      `${MIN_ZOOKEEPER_VERSION.join(".")} or newer (the 3.9 line, the one this program is tested on)`,
    example: d.image,
    default: d.image,
    description:
      "ZooKeeper server image; needs bash, coreutils, awk, getent and zkServer.sh on PATH (the official image has them). The default, 3.9.6, is the newest 3.9 release of the official image.",
  }),
  clusterDomain: text({
    valid: DNS_SUBDOMAIN,
    expected: "must be a DNS domain such as cluster.local",
    example: "cluster.local",
    default: d.clusterDomain,
    description: "The cluster's DNS domain, used in the servers' FQDNs.",
  }),
  timing: oneOf({
    values: ["fast", "tutorial"] as const,
    default: d.timing,
    description:
      "Failure-detection timing of zoo.cfg: fast (tickTime 1000, syncLimit 2, initLimit 20: writes resume about 2.5 s after the leader goes silent) or tutorial (2000, 5, 10: about 10.4 s; docs/monitoring.md: Failure detection). tickTime, syncLimit and initLimit override it one by one.",
  }),
  tickTime: integer({
    min: 1,
    default: undefined,
    example: String(TIMING_PRESETS.fast.tickTime),
    description: "zoo.cfg tickTime: milliseconds of one tick. Default: from timing (1000 for fast).",
  }),
  initLimit: integer({
    min: 1,
    default: undefined,
    example: String(TIMING_PRESETS.fast.initLimit),
    description:
      "zoo.cfg initLimit: ticks a follower may take to connect and sync to the leader, fetching a snapshot included. Default: from timing (20 for fast).",
  }),
  syncLimit: integer({
    min: 1,
    default: undefined,
    example: String(TIMING_PRESETS.fast.syncLimit),
    description:
      "zoo.cfg syncLimit: ticks a follower may lag; tickTime x syncLimit also bounds how long a silent leader goes unnoticed. Default: from timing (2 for fast).",
  }),
  maxClientCnxns: integer({
    min: 0,
    default: zk.maxClientCnxns,
    description: "zoo.cfg maxClientCnxns: connections one client IP may hold to one server (0: unlimited).",
  }),
  minSessionTimeout: integer({ min: 1, default: zk.minSessionTimeout, description: "zoo.cfg minSessionTimeout, milliseconds." }),
  maxSessionTimeout: integer({
    min: 1,
    default: zk.maxSessionTimeout,
    description: "zoo.cfg maxSessionTimeout, milliseconds; at least minSessionTimeout.",
  }),
  snapRetainCount: integer({
    min: 3,
    default: zk.snapRetainCount,
    description: "zoo.cfg autopurge.snapRetainCount: snapshots kept (ZooKeeper's minimum is 3).",
  }),
  purgeInterval: integer({
    min: 0,
    default: zk.purgeInterval,
    description: "zoo.cfg autopurge.purgeInterval: hours between purges (0: off).",
  }),
} satisfies Record<string, Setting<unknown>>;

export type SettingKey = keyof typeof SETTINGS;
/** The typed stack configuration: each setting's parsed value, or its default. */
export type StackConfig = { -readonly [K in SettingKey]: (typeof SETTINGS)[K]["default"] | ParsedOf<(typeof SETTINGS)[K]> };
type ParsedOf<K> = K extends Setting<infer T> ? T : never;
