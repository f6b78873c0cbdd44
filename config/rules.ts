import { schedulableNodes } from "../components/kind/config";
import { MIN_TLS_VERSION } from "../components/zookeeper/tls";
import { imageZooKeeperVersion, olderThan } from "../components/zookeeper/versions";
import { ENSEMBLE_DEFAULTS, ENSEMBLE_RULES, RuleInputs } from "../components/zookeeper/options";
import { pinnedKubeconfig } from "./derived";
import { kubeconfigSource } from "../components/kube-api/kubeconfig";
import { Problem, SECRET_PLACEHOLDER } from "./problems";
import { StackConfig, SettingKey, SETTINGS } from "./settings";
import { SETTING_OF_ENSEMBLE_ARGUMENT } from "./to-components";
import { liveTenants, tenantUser } from "../components/zookeeper/tenants";
import { parseClientUsers } from "../components/zookeeper/client-auth";

/** Values of the settings that parsed; a rule runs only when every setting it reads is here. */
export type ParsedValues = Partial<StackConfig>;

interface RuleResult {
  problems?: Problem[];
  /** The deployment goes on, and the user is told. */
  warnings?: string[];
}

interface Rule {
  reads: readonly SettingKey[];
  check(values: ParsedValues): RuleResult;
}

/** A rule sees only the settings it declares it reads, so it cannot depend on one unknowingly. */
function rule<const K extends SettingKey>(reads: readonly K[], check: (c: Pick<StackConfig, K>) => RuleResult): Rule {
  return { reads, check: (values) => check(values as Pick<StackConfig, K>) };
}

const ok: RuleResult = {};
const problem = (p: Problem): RuleResult => ({ problems: [p] });

/** An ensemble argument's setting: the one that feeds it under another name, or the setting of its name. */
const settingOf = (argument: keyof RuleInputs): SettingKey =>
  (SETTING_OF_ENSEMBLE_ARGUMENT as Partial<Record<keyof RuleInputs, SettingKey>>)[argument] ?? (argument as SettingKey);

/** Each setting feeds the argument of a rule a value of the argument's form (checked here, at compile time). */
type SettingOf<K extends keyof RuleInputs> = K extends keyof typeof SETTING_OF_ENSEMBLE_ARGUMENT
  ? (typeof SETTING_OF_ENSEMBLE_ARGUMENT)[K]
  : K;
const settingsFitTheRules: { [K in keyof RuleInputs]: StackConfig[SettingOf<K> & SettingKey] } extends RuleInputs ? true : never = true;
void settingsFitTheRules;

/**
 * The ensemble's rules between its arguments (ENSEMBLE_RULES), run on the settings that feed them:
 * the component states each rule once, and its problems name the settings here.
 */
const ENSEMBLE_ARGUMENT_RULES: Rule[] = ENSEMBLE_RULES.map((r) => ({
  reads: r.reads.map(settingOf),
  check: (values) => {
    const inputs = Object.fromEntries(r.reads.map((argument) => [argument, values[settingOf(argument)]])) as unknown as RuleInputs;
    return { problems: r.check(inputs, settingOf) };
  },
}));

/** Settings that belong to one cluster mode only and have no default, so setting them elsewhere is a mistake. */
const MODE_ONLY = [
  { key: "clusterName", mode: "kind" },
  { key: "kubeconfig", mode: "existing" },
  { key: "kubeContext", mode: "existing" },
  { key: "renderYamlTo", mode: "render" },
] as const;

const REQUIRED_BY_MODE = [
  { mode: "existing", key: "kubeconfig", example: "~/.kube/config", why: "the program never falls back to the ambient kubeconfig" },
  {
    mode: "existing",
    key: "storageProvisioner",
    example: "<your cluster's CSI driver, e.g. ebs.csi.aws.com>",
    why: "the cluster's own provisioner backs the data volumes",
  },
  { mode: "render", key: "renderYamlTo", example: "./rendered", why: "the manifests are written there" },
  { mode: "render", key: "storageProvisioner", example: "<the target cluster's CSI driver>", why: "the rendered StorageClass names it" },
] as const;

/** Rules of the cluster modes and of the kind cluster's shape. */
const MODE_RULES: Rule[] = [
  rule(["clusterMode", "clusterName", "kubeconfig", "kubeContext", "renderYamlTo", "storageProvisioner"], (c) => {
    const problems: Problem[] = [];
    for (const { key, mode } of MODE_ONLY) {
      if (c[key] !== undefined && c.clusterMode !== mode) {
        problems.push({
          subject: key,
          expected: `is only used when clusterMode is ${mode}, and clusterMode is ${c.clusterMode}`,
          got: c[key],
          remedies: [{ unset: key }, { set: "clusterMode", to: mode }],
        });
      }
    }
    for (const { mode, key, example, why } of REQUIRED_BY_MODE) {
      if (c.clusterMode === mode && c[key] === undefined) {
        problems.push({
          subject: key,
          expected: `must be set when clusterMode is ${mode}: ${why}`,
          got: undefined,
          remedies: [
            { set: key, to: example },
            ...(key === "kubeconfig" ? [{ note: "for a kubeconfig's content: pulumi config set --secret kubeconfig < file" }] : []),
          ],
        });
      }
    }
    return { problems };
  }),
  rule(["clusterMode", "kubeconfig", "kubeContext", "namespace"], (c) => {
    if (c.clusterMode !== "existing" || c.kubeconfig === undefined) return ok;
    const source = kubeconfigSource(c.kubeconfig);
    let pinned;
    try {
      pinned = pinnedKubeconfig(c);
    } catch (e) {
      const noContext = /kubeContext is not set|has no context/.test((e as Error).message);
      return problem({
        subject: noContext ? "kubeContext" : "kubeconfig",
        // Content is a secret: the message names a file, never the content.
        expected: `the kubeconfig ${source.kind === "file" ? `at ${source.path} ` : "(content) "}${(e as Error).message}`,
        got: noContext ? c.kubeContext : source.kind === "file" ? c.kubeconfig : SECRET_PLACEHOLDER,
        remedies: [noContext ? { set: "kubeContext", to: "<context>" } : { set: "kubeconfig", to: "<path to your kubeconfig>" }],
      });
    }
    if (c.namespace !== "default" || !("unsupported" in pinned.access)) return ok;
    return problem({
      subject: "namespace",
      expected:
        `must be a namespace of the ensemble's own with this kubeconfig: in a namespace the program does not create, ` +
        `it removes the servers' pods at destroy through the API itself, which cannot authenticate as context ${pinned.context} does (${pinned.access.unsupported})`,
      got: c.namespace,
      remedies: [{ set: "namespace", to: "zookeeper" }],
    });
  }),
  rule(["clusterMode", "exposeOnHost"], (c) => {
    if (!c.exposeOnHost || c.clusterMode === "kind") return ok;
    return problem({
      subject: "exposeOnHost",
      expected: `is only available when clusterMode is kind (it maps a host port into the kind cluster), and clusterMode is ${c.clusterMode}`,
      got: c.exposeOnHost,
      remedies: [{ set: "exposeOnHost", to: false }, { note: "on another cluster use kubectl port-forward svc/zk-cs 2181" }],
    });
  }),
  rule(["clusterMode", "antiAffinity", "replicas", "workers"], (c) => {
    if (c.clusterMode !== "kind" || c.antiAffinity !== "required") return ok;
    const nodes = schedulableNodes(c.workers);
    if (c.replicas <= nodes) return ok;
    const moreWorkers = { set: "workers", to: c.replicas - 1 };
    return problem({
      subject: "antiAffinity",
      expected:
        `must not be required with more servers (${c.replicas}) than schedulable nodes (${nodes}: 1 control plane + ${c.workers} workers): ` +
        `server ${nodes + 1} would stay Pending forever`,
      got: c.antiAffinity,
      remedies:
        c.workers === 0
          ? [{ set: "antiAffinity", to: "preferred", why: "(one node cannot separate servers)" }, moreWorkers]
          : [moreWorkers, { set: "antiAffinity", to: "preferred" }],
    });
  }),
  rule(["networkPolicy", "clientAccess", "clientPodLabel", "exposeOnHost"], (c) => {
    const problems: Problem[] = [];
    if (c.clientAccess === "labelled" && c.clientPodLabel === undefined) {
      problems.push({
        subject: "clientPodLabel",
        expected: "must be set when clientAccess is labelled: it is the label a client pod needs",
        got: undefined,
        remedies: [{ set: "clientPodLabel", to: "zk-client=true" }],
      });
    }
    if (c.clientPodLabel !== undefined && c.clientAccess !== "labelled") {
      problems.push({
        subject: "clientPodLabel",
        expected: `is only used when clientAccess is labelled, and clientAccess is ${c.clientAccess}`,
        got: c.clientPodLabel,
        remedies: [{ unset: "clientPodLabel" }, { set: "clientAccess", to: "labelled" }],
      });
    }
    if (!c.networkPolicy && c.clientAccess !== "any") {
      problems.push({
        subject: "clientAccess",
        expected: "only narrows access through the NetworkPolicy, and networkPolicy is false",
        got: c.clientAccess,
        remedies: [{ set: "networkPolicy", to: true }, { unset: "clientAccess" }],
      });
    }
    if (c.networkPolicy && c.exposeOnHost && c.clientAccess !== "any") {
      problems.push({
        subject: "clientAccess",
        expected:
          "must be any with exposeOnHost: the host's connections reach the servers from the kind nodes, which are no pods a namespace or label could admit",
        got: c.clientAccess,
        remedies: [
          { set: "clientAccess", to: "any" },
          { set: "exposeOnHost", to: false, why: "(this replaces the kind cluster)" },
        ],
      });
    }
    return { problems };
  }),
  rule(["metrics", "networkPolicy", "metricsAccessNamespace", "podMonitor", "podMonitorLabel"], (c) => {
    const problems: Problem[] = [];
    if (c.podMonitorLabel !== undefined && !c.podMonitor) {
      problems.push({
        subject: "podMonitorLabel",
        expected: "is only used when podMonitor is true, and podMonitor is false",
        got: c.podMonitorLabel,
        remedies: [{ unset: "podMonitorLabel" }, { set: "podMonitor", to: true }],
      });
    }
    if (c.metricsAccessNamespace !== undefined && !(c.metrics && c.networkPolicy)) {
      const off = !c.metrics ? "metrics" : "networkPolicy";
      problems.push({
        subject: "metricsAccessNamespace",
        expected: `only narrows who may scrape the metrics port through the NetworkPolicy, and ${off} is false`,
        got: c.metricsAccessNamespace,
        remedies: [{ unset: "metricsAccessNamespace" }, { set: off, to: true }],
      });
    }
    return { problems };
  }),
  rule(["tls", "tlsSecretName", "clientAuth", "clientUsers", "backupSchedule", "tenants"], (c) => {
    const problems: Problem[] = [];
    if (c.tlsSecretName !== undefined && c.tls === "off") {
      problems.push({
        subject: "tlsSecretName",
        expected: "is only used when tls is not off, and tls is off",
        got: c.tlsSecretName,
        remedies: [{ set: "tls", to: "on" }, { unset: "tlsSecretName" }],
      });
    }
    if (c.clientAuth === "digest" && c.clientUsers === undefined && !c.tenants?.length) {
      problems.push({
        subject: "clientUsers",
        expected: "must be set when clientAuth is digest and there are no tenants: the users clients authenticate as",
        got: undefined,
        remedies: [{ note: `pulumi config set --secret clientUsers '${SETTINGS.clientUsers.example}'` }],
      });
    }
    if (c.clientUsers !== undefined && c.clientAuth !== "digest") {
      problems.push({
        subject: "clientUsers",
        expected: "is only used when clientAuth is digest, and clientAuth is none",
        got: c.clientUsers,
        remedies: [{ set: "clientAuth", to: "digest" }, { unset: "clientUsers" }],
      });
    }
    const clash = c.clientUsers
      ? liveTenants(c.tenants ?? []).find((t) => parseClientUsers(c.clientUsers!).some((u) => u.name === tenantUser(t.name)))
      : undefined;
    if (clash) {
      problems.push({
        subject: "tenants",
        expected: `must not name a user of clientUsers: tenant ${clash.name}'s SASL user is ${tenantUser(clash.name)}, which clientUsers lists too (one password each)`,
        got: clash.name,
        remedies: [{ note: `rename tenant ${clash.name}, or take ${tenantUser(clash.name)} out of clientUsers` }],
      });
    }
    if (c.backupSchedule !== undefined && c.tls === "on") {
      problems.push({
        subject: "backupSchedule",
        expected:
          "cannot be used with tls on yet: the in-cluster backup job speaks no TLS, and the plaintext port is closed to other pods (it stays open in the accept and prefer stages); back up with npm run backup --stack, which reaches each server's own loopback through a port-forward",
        got: c.backupSchedule,
        remedies: [{ unset: "backupSchedule" }, { set: "tls", to: "off" }],
      });
    }
    return { problems };
  }),
  rule(["tls", "image"], (c) => {
    if (c.tls === "off") return ok;
    const version = imageZooKeeperVersion(c.image);
    if (version === undefined) {
      return {
        warnings: [
          `tls is ${c.tls}, and the image ${c.image} names no ZooKeeper version: quorum TLS between pods needs ZooKeeper ${MIN_TLS_VERSION.join(".")} or newer`,
        ],
      };
    }
    if (!olderThan(version, MIN_TLS_VERSION)) return ok;
    return problem({
      subject: "tls",
      expected:
        `needs ZooKeeper ${MIN_TLS_VERSION.join(".")} or newer, and the image runs ${version.join(".")}: older servers check a dialling ` +
        "server's certificate against its pod IP, which no certificate names, so the quorum would never form",
      got: c.tls,
      remedies: [
        { set: "image", to: ENSEMBLE_DEFAULTS.image },
        { set: "tls", to: "off" },
      ],
    });
  }),
  rule(["clusterMode", "zoneSpread"], (c) => {
    if (c.clusterMode !== "kind" || c.zoneSpread !== "required") return ok;
    return problem({
      subject: "zoneSpread",
      expected: "must not be required on kind: kind nodes carry no topology.kubernetes.io/zone label, so no server could be scheduled",
      got: c.zoneSpread,
      remedies: [{ set: "zoneSpread", to: "none" }],
    });
  }),
];

/** Runs every rule whose settings all parsed; a rule never sees an invalid value. */
export function checkRules(values: ParsedValues): { problems: Problem[]; warnings: string[] } {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  for (const r of [...ENSEMBLE_ARGUMENT_RULES, ...MODE_RULES]) {
    if (!r.reads.every((key) => key in values)) continue;
    const result = r.check(values);
    problems.push(...(result.problems ?? []));
    warnings.push(...(result.warnings ?? []));
  }
  return { problems, warnings };
}
