import { ENSEMBLE_DEFAULTS } from "../components/zookeeper/settings";
import { parseHeap, parseByteQuantity, parseCpu } from "./quantities";
import { integer, text, oneOf, Knob } from "./knob";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const positive = (parse: (v: string) => number | undefined) => (v: string) => (parse(v) ?? 0) > 0;
/** The last path segment carries a tag or a digest: an unpinned image changes under a running ensemble. */
const pinnedImage = (v: string) =>
  /^[a-z0-9][a-z0-9._\-/:@]*$/.test(v) && /[:@]/.test(v.slice(v.lastIndexOf("/") + 1));

const d = ENSEMBLE_DEFAULTS;
const zk = d.zookeeper;

/** Every stack setting of the project, by config key. Pulumi.yaml declares exactly these. */
export const KNOBS = {
  replicas: integer({
    min: 1,
    default: d.replicas,
    description: "Number of ZooKeeper servers. Odd counts are usual: an even count tolerates no more failures than one fewer.",
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
    description:
      "Server spreading over nodes: required (never two servers on one node), preferred (spread when possible), none.",
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
    description: "Size of each server's data volume (PersistentVolumeClaim).",
  }),
  namespace: text({
    valid: DNS_LABEL,
    expected: "must be a DNS label: at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit",
    example: "zookeeper",
    default: d.namespace,
    description: "Namespace of the ensemble; created and labelled for Pod Security 'restricted' unless it is 'default'.",
  }),
  namePrefix: text({
    valid: /^([a-z][a-z0-9-]{0,39})?$/,
    expected: "must be empty or up to 40 lowercase letters, digits or '-', starting with a letter",
    example: "orders-",
    default: d.namePrefix,
    description: "Prefix of every object name and of the app label (orders- gives orders-zk, orders-zk-hs, ...). Empty: the tutorial's names.",
  }),
  image: text({
    valid: pinnedImage,
    expected: "must be an image reference with a tag or digest, such as zookeeper:3.9.4",
    example: d.image,
    default: d.image,
    description: "ZooKeeper server image; needs bash, coreutils and zkServer.sh on PATH (the official image has them).",
  }),
  clusterDomain: text({
    valid: DNS_SUBDOMAIN,
    expected: "must be a DNS domain such as cluster.local",
    example: "cluster.local",
    default: d.clusterDomain,
    description: "The cluster's DNS domain, used in the servers' FQDNs.",
  }),
  tickTime: integer({ min: 1, default: zk.tickTime, description: "zoo.cfg tickTime: milliseconds of one tick." }),
  initLimit: integer({ min: 1, default: zk.initLimit, description: "zoo.cfg initLimit: ticks a follower may take to connect and sync to the leader." }),
  syncLimit: integer({
    min: 1,
    default: zk.syncLimit,
    description: "zoo.cfg syncLimit: ticks a follower may lag; tickTime x syncLimit also bounds how long a silent leader goes unnoticed.",
  }),
  maxClientCnxns: integer({ min: 0, default: zk.maxClientCnxns, description: "zoo.cfg maxClientCnxns: connections one client IP may hold to one server (0: unlimited)." }),
  minSessionTimeout: integer({ min: 1, default: zk.minSessionTimeout, description: "zoo.cfg minSessionTimeout, milliseconds." }),
  maxSessionTimeout: integer({ min: 1, default: zk.maxSessionTimeout, description: "zoo.cfg maxSessionTimeout, milliseconds; at least minSessionTimeout." }),
  snapRetainCount: integer({ min: 3, default: zk.snapRetainCount, description: "zoo.cfg autopurge.snapRetainCount: snapshots kept (ZooKeeper's minimum is 3)." }),
  purgeInterval: integer({ min: 0, default: zk.purgeInterval, description: "zoo.cfg autopurge.purgeInterval: hours between purges (0: off)." }),
} satisfies Record<string, Knob<unknown>>;

export type KnobKey = keyof typeof KNOBS;
/** The typed stack configuration: each knob's parsed value, or its default. */
export type StackConfig = { -readonly [K in KnobKey]: (typeof KNOBS)[K]["default"] | ParsedOf<(typeof KNOBS)[K]> };
type ParsedOf<K> = K extends Knob<infer T> ? T : never;
