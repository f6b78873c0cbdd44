import { Problem, ArgumentError } from "../problem";
import type * as pulumi from "@pulumi/pulumi";
import type { EnsembleTls } from "./tls";
import type { TlsStage, MembershipMode } from "./transitions";
import type { PortFeatures } from "./ports";
import type { MonitoringOptions } from "./metrics";
import type { ClientUser } from "./users";
import type { RollOrder } from "./roll-order";
import { tenantsProblem, TenantInput } from "./tenants";
import { parseHeap, parseByteQuantity, memoryForHeap } from "./quantities";
import { planDisruptionBudget, toleratedFailures, DisruptionBudget } from "./quorum";
import { ensembleNames, EnsembleNames } from "./names";

/**
 * Who may reach the client ports: `any` pod or node (no `from`: NodePort traffic from the nodes
 * keeps working), the pods of the ensemble's `namespace`, or pods `labelled` with a given label in
 * any namespace.
 */
export type ClientAccess = { mode: "any" } | { mode: "namespace" } | { mode: "labelled"; label: Record<string, string> };

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
  /**
   * How the servers restart when the pod template changes: `leader-last` (the StatefulSet updates
   * OnDelete and a Job restarts followers first, each synced before the next, the leader last: one
   * election per roll; it needs a ServiceAccount that may delete the servers' pods) or `ordinal` (the
   * StatefulSet's RollingUpdate, highest ordinal first, whoever leads). At every TLS stage (the Job
   * asks over TLS from `prefer` on: tls.ts jobsServerAccess). Defaults to `leader-last`.
   */
  rollOrder?: RollOrder;
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
   * With `clientAuth`: client applications, each with its own chroot, SASL user (a password the
   * component makes), ACL, quota and connection Secret (tenants.ts). Turns on ZooKeeper's quota
   * enforcement. Defaults to none.
   */
  tenants?: TenantInput[];
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
  /** zoo.cfg tunables; each defaults to the `timing` preset's or to ENSEMBLE_DEFAULTS.zookeeper. */
  zookeeper?: Partial<ZooKeeperTunables>;
}

/**
 * Every argument of the ensemble with its default, in one place (undefined: none, or derived by
 * resolveEnsemble); the stack's settings table takes its defaults from here, and the stack passes a
 * setting named like an argument here as it is (config/to-components.ts).
 */
export const ENSEMBLE_DEFAULTS = {
  namespace: "zookeeper",
  /** Derived: true unless the namespace is `default`. */
  createNamespace: undefined,
  namePrefix: "",
  replicas: 3,
  membership: "static",
  rollOrder: "leader-last",
  image: "zookeeper:3.9.6",
  heap: "512m",
  /** Derived from the heap (memoryForHeap). */
  memory: undefined,
  cpu: "500m",
  antiAffinity: "required",
  zoneSpread: "none",
  tolerations: undefined,
  clientNodePort: undefined,
  pdbMaxUnavailable: undefined,
  pdbMinAvailable: undefined,
  storageSize: "10Gi",
  expandVolumes: false,
  startupSeconds: 600,
  storageClassName: undefined,
  clusterDomain: "cluster.local",
  networkPolicy: true,
  clientAccess: { mode: "any" },
  tls: undefined,
  tlsStage: "on",
  clientAuth: undefined,
  tenants: undefined,
  metrics: true,
  metricsAccessNamespace: undefined,
  monitoring: undefined,
  timing: "fast",
  zookeeper: {
    maxClientCnxns: 60,
    minSessionTimeout: 4000,
    maxSessionTimeout: 40000,
    snapRetainCount: 3,
    purgeInterval: 12,
  } satisfies Omit<ZooKeeperTunables, keyof (typeof TIMING_PRESETS)[TimingPreset]>,
} satisfies { [K in keyof Required<EnsembleOptions>]: EnsembleOptions[K] };

/** The names of the zoo.cfg tunables (ENSEMBLE_DEFAULTS.zookeeper and the timing presets' together). */
export const TUNABLE_NAMES = Object.keys({ ...TIMING_PRESETS.fast, ...ENSEMBLE_DEFAULTS.zookeeper }) as (keyof ZooKeeperTunables)[];

/** Arguments that stay optional once resolved: their absence means none. */
type AbsentMeansNone = "clientNodePort" | "storageClassName" | "tls" | "metricsAccessNamespace" | "monitoring" | "tenants";
/** Arguments that resolving consumes into another value (namePrefix into names, timing into zookeeper, pdb* into disruptionBudget). */
type Consumed = "namePrefix" | "timing" | "pdbMaxUnavailable" | "pdbMinAvailable";
/** What resolving computes, and the arguments it gives another form. */
interface Computed {
  names: EnsembleNames;
  disruptionBudget?: DisruptionBudget;
  /** Warnings the deployment should log (even server count, drains that will block, ...). */
  warnings: string[];
  /** `off` without `tls`. */
  tlsStage: TlsStage;
  /** Whether sessions must authenticate (the users stay in the component: they are secrets). */
  clientAuth: boolean;
  zookeeper: ZooKeeperTunables;
}

/** The ensemble with every default applied and every derived value computed: its arguments, required. */
export type ResolvedEnsemble = Omit<Required<EnsembleOptions>, AbsentMeansNone | Consumed | keyof Computed> &
  Pick<EnsembleOptions, AbsentMeansNone> &
  Computed;

/** What the rules between arguments read: each argument with its default applied, in the form a stack setting has too. */
export interface RuleInputs {
  heap: string;
  memory: string | undefined;
  replicas: number;
  pdbMaxUnavailable: number | undefined;
  pdbMinAvailable: number | undefined;
  membership: MembershipMode;
  rollOrder: RollOrder;
  /** `off` without `tls`. */
  tlsStage: TlsStage;
  metrics: boolean;
  /** Whether `monitoring` is given. */
  monitoring: boolean;
  minSessionTimeout: number;
  maxSessionTimeout: number;
  /** `digest` when sessions must authenticate. */
  clientAuth: "none" | "digest";
  tenants: TenantInput[] | undefined;
}

/** How a caller words an argument: the component its own argument names, the stack the settings that feed them. */
export type ArgumentName = (argument: keyof RuleInputs) => string;

/**
 * A rule between arguments, stated once: resolveEnsemble applies it, and the stack's rules
 * (config/rules.ts) run it on the settings that feed these arguments, before any resource exists.
 * Its problems name arguments as `name` words them.
 */
export interface EnsembleRule {
  reads: readonly (keyof RuleInputs)[];
  check(inputs: RuleInputs, name: ArgumentName): Problem[];
}

function ensembleRule<const K extends keyof RuleInputs>(
  reads: readonly K[],
  check: (inputs: Pick<RuleInputs, K>, name: ArgumentName) => Problem[],
): EnsembleRule {
  return { reads, check };
}

/** A problem stated with the rules' argument names, worded by `name`. */
function named(p: Problem, name: ArgumentName): Problem {
  const as = (argument: string) => name(argument as keyof RuleInputs);
  return {
    ...p,
    subject: as(p.subject),
    remedies: p.remedies.map((r) => ("set" in r ? { ...r, set: as(r.set) } : "unset" in r ? { ...r, unset: as(r.unset) } : r)),
  };
}

/** The rules between the ensemble's arguments. */
export const ENSEMBLE_RULES: readonly EnsembleRule[] = [
  ensembleRule(["heap", "memory"], (a, name) => {
    const heap = parseHeap(a.heap);
    if (a.memory === undefined || heap === undefined || (parseByteQuantity(a.memory) ?? Infinity) > heap) return [];
    return [
      named(
        {
          subject: "memory",
          expected: `must exceed the ${name("heap")} (${a.heap}) with room for the JVM's off-heap memory`,
          got: a.memory,
          remedies: [
            { set: "memory", to: memoryForHeap(heap) },
            { unset: "memory", why: `to derive it from the ${name("heap")}` },
          ],
        },
        name,
      ),
    ];
  }),
  // The plan's warnings are logged by the ensemble itself, once.
  ensembleRule(["replicas", "pdbMaxUnavailable", "pdbMinAvailable"], (a, name) =>
    planDisruptionBudget(a.replicas, a.pdbMaxUnavailable, a.pdbMinAvailable).problems.map((p) => named(p, name)),
  ),
  ensembleRule(["membership", "tlsStage"], (a, name) => {
    if (a.membership !== "dynamic" || a.tlsStage !== "on") return [];
    const tls = name("tlsStage");
    return [
      named(
        {
          subject: "membership",
          expected:
            `cannot be dynamic with ${tls} on yet: joining servers and the membership jobs read the membership on the plaintext client port, ` +
            `which ${tls} on keeps on each pod's loopback`,
          got: a.membership,
          remedies: [
            { set: "membership", to: "static" },
            { set: "tlsStage", to: "prefer" },
          ],
        },
        name,
      ),
    ];
  }),
  ensembleRule(["tenants", "clientAuth"], (a, name) => {
    if (!a.tenants?.length) return [];
    const problems: Problem[] = [];
    // Required, not implied: turning on authentication closes every session that does not
    // authenticate, so it would cut off the ensemble's other clients as a side effect of a tenant.
    if (a.clientAuth !== "digest") {
      problems.push({
        subject: "tenants",
        expected:
          `need ${name("clientAuth")} digest: a tenant's chroot is kept by an ACL naming its SASL user, and only sessions that must authenticate make that ACL a wall; ` +
          `it is not turned on for you, because it closes every session that does not authenticate (your other clients too)`,
        got: a.tenants.map((t) => t.name).join(","),
        remedies: [{ set: "clientAuth", to: "digest" }, { unset: "tenants" }],
      });
    }
    return problems.map((p) => named(p, name));
  }),
  ensembleRule(["monitoring", "metrics"], (a, name) => {
    if (!a.monitoring || a.metrics) return [];
    const monitoring = name("monitoring");
    return [
      named(
        {
          subject: "monitoring",
          expected: `needs ${name("metrics")}: the PodMonitor scrapes the servers' metrics port, and ${name("metrics")} is false`,
          got: a.monitoring,
          // A caller leaves the argument out; a stack turns its setting off.
          remedies: [
            { set: "metrics", to: true },
            monitoring === "monitoring" ? { unset: "monitoring" } : { set: "monitoring", to: false },
          ],
        },
        name,
      ),
    ];
  }),
  ensembleRule(["minSessionTimeout", "maxSessionTimeout"], (a, name) => {
    if (a.minSessionTimeout <= a.maxSessionTimeout) return [];
    return [
      named(
        {
          subject: "maxSessionTimeout",
          expected: `must be at least ${name("minSessionTimeout")} (${a.minSessionTimeout}); ZooKeeper refuses to start otherwise`,
          got: a.maxSessionTimeout,
          remedies: [{ set: "maxSessionTimeout", to: a.minSessionTimeout * 10 }],
        },
        name,
      ),
    ];
  }),
];

/** The component's own words: the tunables sit under `zookeeper`. */
const argumentName: ArgumentName = (a) => ((TUNABLE_NAMES as string[]).includes(a) ? `zookeeper.${a}` : a);

/**
 * Applies defaults without touching the caller's object. Internal; exported for testing. Throws an
 * ArgumentError for arguments that break a rule (ENSEMBLE_RULES): the stack config layer runs the
 * same rules with config keys before any resource exists, this guards programmatic callers.
 */
export function resolveEnsemble(options: EnsembleOptions): ResolvedEnsemble {
  const a = { ...ENSEMBLE_DEFAULTS, ...definedOnly(options) };
  const heapBytes = parseHeap(a.heap);
  const tlsStage: TlsStage = a.tls ? a.tlsStage : "off";
  const zookeeper: ZooKeeperTunables = { ...TIMING_PRESETS[a.timing], ...ENSEMBLE_DEFAULTS.zookeeper, ...definedOnly(a.zookeeper) };
  const inputs: RuleInputs = {
    ...a,
    ...zookeeper,
    tlsStage,
    monitoring: a.monitoring !== undefined,
    clientAuth: a.clientAuth ? "digest" : "none",
  };
  const badTenants = a.tenants === undefined ? undefined : tenantsProblem(a.tenants);
  const plan = planDisruptionBudget(a.replicas, a.pdbMaxUnavailable, a.pdbMinAvailable);
  const problems: Problem[] = [
    ...(heapBytes === undefined
      ? [
          {
            subject: "heap",
            expected: "must be a JVM size such as 512m or 2g",
            got: a.heap,
            remedies: [{ set: "heap", to: ENSEMBLE_DEFAULTS.heap }],
          },
        ]
      : []),
    ...(!Number.isInteger(a.replicas) || a.replicas < 1
      ? [
          {
            subject: "replicas",
            expected: "must be a whole number of servers, at least 1",
            got: a.replicas,
            remedies: [{ set: "replicas", to: ENSEMBLE_DEFAULTS.replicas }],
          },
        ]
      : []),
    ...(badTenants ? [{ subject: "tenants", expected: badTenants, got: JSON.stringify(a.tenants), remedies: [] }] : []),
    ...(badTenants ? ENSEMBLE_RULES.filter((r) => !r.reads.includes("tenants")) : ENSEMBLE_RULES).flatMap((rule) =>
      rule.check(inputs, argumentName),
    ),
  ];
  if (problems.length) throw new ArgumentError("ZooKeeperEnsemble", problems);
  const warnings = [...plan.warnings];
  if (a.replicas % 2 === 0) {
    warnings.push(
      `replicas is ${a.replicas}, an even count: it tolerates no more failures (${toleratedFailures(a.replicas)}) than ` +
        `${a.replicas - 1} servers would; an odd count is the usual choice`,
    );
  }

  const { namePrefix, timing: _timing, pdbMaxUnavailable: _max, pdbMinAvailable: _min, ...args } = a;
  return {
    ...args,
    createNamespace: a.createNamespace ?? a.namespace !== "default",
    names: ensembleNames(namePrefix),
    memory: a.memory ?? memoryForHeap(heapBytes!),
    tolerations: a.tolerations ?? [],
    disruptionBudget: plan.budget,
    warnings,
    tlsStage,
    clientAuth: a.clientAuth !== undefined,
    zookeeper,
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
