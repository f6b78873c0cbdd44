import { Problem, ArgumentError } from "../problem";
import type { ClientAccess } from "./network-policy";
import type * as pulumi from "@pulumi/pulumi";
import type { EnsembleTls } from "./tls";
import type { ClientUser } from "./client-auth";
import type { TlsStage, MembershipMode } from "./transitions";
import type { PortFeatures } from "./ports";
import type { MonitoringOptions } from "./metrics";
import { parseHeap, memoryForHeap } from "./quantities";
import { planDisruptionBudget, toleratedFailures, DisruptionBudget } from "./quorum";
import { ensembleNames, EnsembleNames } from "./names";

export type AntiAffinityMode = "required" | "preferred" | "none";
export type ZoneSpreadMode = "required" | "preferred" | "none";

export interface Toleration {
  key: string;
  operator: "Exists" | "Equal";
  value?: string;
  effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** ZooKeeper server tunables (zoo.cfg). The three timing ones default to the `timing` preset's. */
export interface ZooKeeperTunables {
  /** Milliseconds of one tick, the unit of the other timeouts. */
  tickTime: number;
  /** Ticks a follower may take to connect and sync to the leader (fetching a snapshot included). */
  initLimit: number;
  /**
   * Ticks a follower may lag behind the leader before it is dropped; tickTime x syncLimit is also how
   * long a leader that went silent (a lost node, a cut network) goes unnoticed.
   */
  syncLimit: number;
  /** Concurrent connections one client IP may hold to one server. Defaults to 60. */
  maxClientCnxns: number;
  /** Lower bound of a client session timeout, ms. Defaults to 4000. */
  minSessionTimeout: number;
  /** Upper bound of a client session timeout, ms. Defaults to 40000. */
  maxSessionTimeout: number;
  /** Snapshots (and their transaction logs) autopurge keeps. Defaults to 3. */
  snapRetainCount: number;
  /** Hours between autopurge runs; 0 turns autopurge off. Defaults to 12. */
  purgeInterval: number;
}

export { PORTS } from "./ports";

/**
 * Timing presets. `fast` (the default): a silent leader is noticed after 1000 x 2 = 2 s, and writes
 * resume about 0.3 s later (measured: README, "Failure detection"); a follower has 20 s to fetch a
 * snapshot. `tutorial`: the tutorial's 2000 x 5 = 10 s and 20 s, also the Bitnami chart's.
 */
export const TIMING_PRESETS = {
  fast: { tickTime: 1000, initLimit: 20, syncLimit: 2 },
  tutorial: { tickTime: 2000, initLimit: 10, syncLimit: 5 },
} as const satisfies Record<string, Pick<ZooKeeperTunables, "tickTime" | "initLimit" | "syncLimit">>;

export type TimingPreset = keyof typeof TIMING_PRESETS;

/** Where the data volume is mounted and where zoo.cfg puts the data and transaction log in it. */
export const DATA_PATHS = {
  volumeMount: "/var/lib/zookeeper",
  dataDir: "/var/lib/zookeeper/data",
  dataLogDir: "/var/lib/zookeeper/data/log",
} as const;

/** Every default of the ensemble, in one place; the stack config layer uses the same values. */
export const ENSEMBLE_DEFAULTS = {
  namespace: "zookeeper",
  namePrefix: "",
  replicas: 3,
  membership: "static" as MembershipMode,
  image: "zookeeper:3.9.6",
  heap: "512m",
  cpu: "500m",
  antiAffinity: "required" as AntiAffinityMode,
  zoneSpread: "none" as ZoneSpreadMode,
  storageSize: "10Gi",
  expandVolumes: false,
  startupSeconds: 600,
  clusterDomain: "cluster.local",
  networkPolicy: true,
  clientAccess: { mode: "any" } as ClientAccess,
  metrics: true,
  timing: "fast" as TimingPreset,
  zookeeper: {
    maxClientCnxns: 60,
    minSessionTimeout: 4000,
    maxSessionTimeout: 40000,
    snapRetainCount: 3,
    purgeInterval: 12,
  } satisfies Omit<ZooKeeperTunables, keyof (typeof TIMING_PRESETS)[TimingPreset]>,
};

/** The ensemble's settings; every one is optional and documented with its default. */
export interface EnsembleOptions {
  /** Namespace of every object. Defaults to `zookeeper`. */
  namespace?: string;
  /** Create (and label for Pod Security `restricted`) the namespace. Defaults to true unless it is `default`. */
  createNamespace?: boolean;
  /** Prefix of every object name and of the `app` label, so several ensembles can share a namespace. Defaults to none (`zk`, `zk-hs`, ...). */
  namePrefix?: string;
  /** Number of servers. Defaults to 3. */
  replicas?: number;
  /**
   * `dynamic`: a change of `replicas` resizes the running ensemble by reconfig (membership Jobs the
   * component runs around the StatefulSet), in any step; `static`: every server reads a server list at
   * start, and the size changes by one server per update. Defaults to `static`.
   */
  membership?: MembershipMode;
  /** Server image; it must ship bash, coreutils, getent and zkServer.sh on PATH. Defaults to `zookeeper:3.9.6`. */
  image?: string;
  /** JVM heap (-Xms and -Xmx), e.g. `512m` or `2g`. Defaults to `512m`. */
  heap?: string;
  /** Container memory request and limit. Defaults to the heap plus max(512Mi, heap/2) for off-heap memory. */
  memory?: string;
  /** Container CPU request. Defaults to `500m`. */
  cpu?: string;
  /** Spread servers over nodes: `required` (hard), `preferred` (soft) or `none`. Defaults to `required`. */
  antiAffinity?: AntiAffinityMode;
  /** Spread servers over zones (topology.kubernetes.io/zone): `required`, `preferred` or `none`. Defaults to `none`. */
  zoneSpread?: ZoneSpreadMode;
  /** Taints the servers tolerate, e.g. a control plane that should run a server too. Defaults to none. */
  tolerations?: Toleration[];
  /** Also expose the client port as this NodePort (30000-32767), for access from outside the cluster. Defaults to none. */
  clientNodePort?: number;
  /** PodDisruptionBudget maxUnavailable. Conflicts with pdbMinAvailable. Defaults to 1 (0 for 2 servers, no PDB for 1). */
  pdbMaxUnavailable?: number;
  /** PodDisruptionBudget minAvailable. Conflicts with pdbMaxUnavailable. */
  pdbMinAvailable?: number;
  /** Size of each server's data volume. Defaults to `10Gi`. */
  storageSize?: string;
  /**
   * Grow the existing volume claims to `storageSize` (the StorageClass must allow expansion); without
   * it a new size applies to claims made later. Defaults to false.
   */
  expandVolumes?: boolean;
  /** Seconds a server may take to start (load its snapshot and logs) before it is restarted. Defaults to 600. */
  startupSeconds?: number;
  /** StorageClass of the data volumes. Defaults to the cluster's default class. */
  storageClassName?: string;
  /** Kubernetes cluster DNS domain. Defaults to `cluster.local`. */
  clusterDomain?: string;
  /** zoo.cfg tunables; each defaults to the tutorial's value. */
  /**
   * A NetworkPolicy that admits the quorum and election ports from the ensemble's own pods only, the
   * client ports per `clientAccess`, and nothing else. Defaults to true.
   */
  networkPolicy?: boolean;
  /** Who may reach the client ports when `networkPolicy` is on. Defaults to any pod or node. */
  clientAccess?: ClientAccess;
  /**
   * TLS for the quorum and the clients: certificates made by the component, or a Secret of yours.
   * Clients then use the secure port; the plaintext one stays on each pod's loopback. Defaults to off.
   */
  tls?: EnsembleTls;
  /**
   * With `tls`: how far TLS is on (transitions.ts): `accept` (servers accept TLS and plaintext on the
   * quorum ports, dial plaintext; both client ports open), `prefer` (they dial TLS), `on` (TLS only;
   * the plaintext client port on loopback). A running ensemble moves one stage per update. Defaults to `on`.
   */
  tlsStage?: Exclude<TlsStage, "off">;
  /**
   * Every session must authenticate with SASL DIGEST-MD5 as one of these users (a secret), or as the
   * super user the component makes (ADMIN_USER, its password the `adminPassword` output). Defaults to
   * no authentication.
   */
  clientAuth?: { users: pulumi.Input<ClientUser[]> };
  /**
   * ZooKeeper's Prometheus exporter on each server (the `metrics` port, pod annotations, a port on the
   * headless Service). Defaults to true.
   */
  metrics?: boolean;
  /** With `networkPolicy` and `metrics`: the namespace whose pods may scrape. Defaults to any pod or node. */
  metricsAccessNamespace?: string;
  /**
   * With `metrics`: a PodMonitor and a PrometheusRule for the Prometheus Operator (its CRDs must be
   * installed), carrying these labels. Defaults to none.
   */
  monitoring?: MonitoringOptions;
  /** Which timing preset sets tickTime, initLimit and syncLimit when they are not given. Defaults to `fast`. */
  timing?: TimingPreset;
  zookeeper?: Partial<ZooKeeperTunables>;
}

/** The ensemble with every default applied and every derived value computed. */
export interface ResolvedEnsemble {
  namespace: string;
  createNamespace: boolean;
  names: EnsembleNames;
  replicas: number;
  membership: MembershipMode;
  image: string;
  heap: string;
  memory: string;
  cpu: string;
  antiAffinity: AntiAffinityMode;
  zoneSpread: ZoneSpreadMode;
  tolerations: Toleration[];
  clientNodePort?: number;
  disruptionBudget?: DisruptionBudget;
  /** Warnings the deployment should log (even server count, drains that will block, ...). */
  warnings: string[];
  storageSize: string;
  expandVolumes: boolean;
  startupSeconds: number;
  storageClassName?: string;
  clusterDomain: string;
  networkPolicy: boolean;
  clientAccess: ClientAccess;
  tls?: EnsembleTls;
  /** `off` without `tls`. */
  tlsStage: TlsStage;
  /** Whether sessions must authenticate (the users stay in the component: they are secrets). */
  clientAuth: boolean;
  metrics: boolean;
  metricsAccessNamespace?: string;
  monitoring?: MonitoringOptions;
  zookeeper: ZooKeeperTunables;
}

/**
 * Applies defaults without touching the caller's object. Internal; exported for testing. Throws on
 * a disruption budget that would break the quorum: the stack config layer reports the same rule
 * with config keys before any resource exists, this guards programmatic callers.
 */
export function resolveEnsemble(options: EnsembleOptions): ResolvedEnsemble {
  const d = ENSEMBLE_DEFAULTS;
  const namespace = options.namespace ?? d.namespace;
  const replicas = options.replicas ?? d.replicas;
  const membership = options.membership ?? d.membership;
  const heap = options.heap ?? d.heap;
  const heapBytes = parseHeap(heap);
  const plan = planDisruptionBudget(replicas, options.pdbMaxUnavailable, options.pdbMinAvailable);
  const problems: Problem[] = [
    ...(heapBytes === undefined
      ? [{ subject: "heap", expected: "must be a JVM size such as 512m or 2g", got: heap, remedies: [{ set: "heap", to: d.heap }] }]
      : []),
    ...plan.problems,
    ...(!Number.isInteger(replicas) || replicas < 1
      ? [
          {
            subject: "replicas",
            expected: "must be a whole number of servers, at least 1",
            got: replicas,
            remedies: [{ set: "replicas", to: d.replicas }],
          },
        ]
      : []),
    ...(membership === "dynamic" && options.tls && (options.tlsStage ?? "on") === "on"
      ? [
          {
            subject: "membership",
            expected: `dynamic cannot be used with tlsStage on yet: the membership jobs and joining servers read the membership on the plaintext client port, which TLS on closes to other pods`,
            got: membership,
            remedies: [
              { set: "membership", to: "static" },
              { set: "tlsStage", to: "prefer" },
            ],
          },
        ]
      : []),
    ...(options.monitoring && !(options.metrics ?? d.metrics)
      ? [
          {
            subject: "monitoring",
            expected: "needs metrics: a PodMonitor scrapes the metrics port",
            got: "metrics: false",
            remedies: [{ set: "metrics", to: true }],
          },
        ]
      : []),
  ];
  if (problems.length) throw new ArgumentError("ZooKeeperEnsemble", problems);
  const warnings = [...plan.warnings];
  if (replicas % 2 === 0) {
    warnings.push(
      `replicas is ${replicas}, an even count: it tolerates no more failures (${toleratedFailures(replicas)}) than ` +
        `${replicas - 1} servers would; an odd count is the usual choice`,
    );
  }

  return {
    namespace,
    createNamespace: options.createNamespace ?? namespace !== "default",
    names: ensembleNames(options.namePrefix ?? d.namePrefix),
    replicas,
    membership,
    image: options.image ?? d.image,
    heap,
    memory: options.memory ?? memoryForHeap(heapBytes!),
    cpu: options.cpu ?? d.cpu,
    antiAffinity: options.antiAffinity ?? d.antiAffinity,
    zoneSpread: options.zoneSpread ?? d.zoneSpread,
    tolerations: options.tolerations ?? [],
    clientNodePort: options.clientNodePort,
    disruptionBudget: plan.budget,
    warnings,
    storageSize: options.storageSize ?? d.storageSize,
    expandVolumes: options.expandVolumes ?? d.expandVolumes,
    startupSeconds: options.startupSeconds ?? d.startupSeconds,
    storageClassName: options.storageClassName,
    clusterDomain: options.clusterDomain ?? d.clusterDomain,
    networkPolicy: options.networkPolicy ?? d.networkPolicy,
    clientAccess: options.clientAccess ?? d.clientAccess,
    tls: options.tls,
    tlsStage: options.tls ? (options.tlsStage ?? "on") : "off",
    clientAuth: options.clientAuth !== undefined,
    metrics: options.metrics ?? d.metrics,
    metricsAccessNamespace: options.metricsAccessNamespace,
    monitoring: options.monitoring,
    zookeeper: { ...TIMING_PRESETS[options.timing ?? d.timing], ...d.zookeeper, ...definedOnly(options.zookeeper ?? {}) },
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** What decides the ports a server listens on. */
export function portFeatures(s: Pick<ResolvedEnsemble, "tlsStage" | "metrics">): PortFeatures {
  const clientPorts = s.tlsStage === "off" ? "plaintext" : s.tlsStage === "on" ? "secure" : "both";
  return { clientPorts, metrics: s.metrics };
}
