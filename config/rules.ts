import { planDisruptionBudget } from "../components/zookeeper/quorum";
import { parseHeap, parseByteQuantity, memoryForHeap } from "../components/zookeeper/quantities";
import { schedulableNodes } from "../components/kind/config";
import { kubeconfigSource, pinnedKubeconfig } from "./derived";
import { SECRET_PLACEHOLDER } from "./problems";
import { StackConfig, SettingKey } from "./settings";
import { ConfigProblem } from "./problems";

/** Values of the settings that parsed; a rule runs only when every setting it reads is here. */
export type ParsedValues = Partial<StackConfig>;

interface Rule {
  reads: SettingKey[];
  check(c: StackConfig): { problems: ConfigProblem[]; warnings: string[] };
}

const ok = { problems: [], warnings: [] };

/** Rules between settings' values. */
const VALUE_RULES: Rule[] = [
  {
    reads: ["heap", "memory"],
    check(c) {
      if (c.memory === undefined) return ok;
      const heap = parseHeap(c.heap)!;
      if (parseByteQuantity(c.memory)! > heap) return ok;
      return {
        problems: [
          {
            key: "memory",
            expected: `must exceed the heap (${c.heap}) with room for the JVM's off-heap memory`,
            got: c.memory,
            fix: `pulumi config set memory ${memoryForHeap(heap)}, or pulumi config rm memory to derive it from the heap`,
          },
        ],
        warnings: [],
      };
    },
  },
  {
    reads: ["replicas", "pdbMaxUnavailable", "pdbMinAvailable"],
    check(c) {
      // The plan's warnings are logged by the ensemble itself, once.
      return { problems: planDisruptionBudget(c.replicas, c.pdbMaxUnavailable, c.pdbMinAvailable).problems, warnings: [] };
    },
  },
  {
    reads: ["minSessionTimeout", "maxSessionTimeout"],
    check(c) {
      if (c.minSessionTimeout <= c.maxSessionTimeout) return ok;
      return {
        problems: [
          {
            key: "maxSessionTimeout",
            expected: `must be at least minSessionTimeout (${c.minSessionTimeout}); ZooKeeper refuses to start otherwise`,
            got: c.maxSessionTimeout,
            fix: `pulumi config set maxSessionTimeout ${c.minSessionTimeout * 10}`,
          },
        ],
        warnings: [],
      };
    },
  },
];

/** Settings that belong to one cluster mode only and have no default, so setting them elsewhere is a mistake. */
const MODE_ONLY: { key: "clusterName" | "kubeconfig" | "kubeContext" | "renderYamlTo"; mode: string }[] = [
  { key: "clusterName", mode: "kind" },
  { key: "kubeconfig", mode: "existing" },
  { key: "kubeContext", mode: "existing" },
  { key: "renderYamlTo", mode: "render" },
];

const REQUIRED_BY_MODE: { mode: string; key: "kubeconfig" | "renderYamlTo" | "storageProvisioner"; example: string; why: string }[] = [
  { mode: "existing", key: "kubeconfig", example: "~/.kube/config", why: "the program never falls back to the ambient kubeconfig" },
  { mode: "existing", key: "storageProvisioner", example: "<your cluster's CSI driver, e.g. ebs.csi.aws.com>", why: "the cluster's own provisioner backs the data volumes" },
  { mode: "render", key: "renderYamlTo", example: "./rendered", why: "the manifests are written there" },
  { mode: "render", key: "storageProvisioner", example: "<the target cluster's CSI driver>", why: "the rendered StorageClass names it" },
];

/** Rules of the cluster modes and of the kind cluster's shape. */
const MODE_RULES: Rule[] = [
  {
    reads: ["clusterMode", "clusterName", "kubeconfig", "kubeContext", "renderYamlTo", "storageProvisioner"],
    check(c) {
      const problems: ConfigProblem[] = [];
      for (const { key, mode } of MODE_ONLY) {
        if (c[key] !== undefined && c.clusterMode !== mode) {
          problems.push({
            key,
            expected: `is only used when clusterMode is ${mode}, and clusterMode is ${c.clusterMode}`,
            got: c[key],
            fix: `pulumi config rm ${key}, or pulumi config set clusterMode ${mode}`,
          });
        }
      }
      for (const { mode, key, example, why } of REQUIRED_BY_MODE) {
        if (c.clusterMode === mode && c[key] === undefined) {
          problems.push({
            key,
            expected: `must be set when clusterMode is ${mode}: ${why}`,
            got: undefined,
            fix: `pulumi config set ${key} ${example}${key === "kubeconfig" ? " (for a kubeconfig's content: pulumi config set --secret kubeconfig < file)" : ""}`,
          });
        }
      }
      return { problems, warnings: [] };
    },
  },
  {
    reads: ["clusterMode", "kubeconfig", "kubeContext", "namespace"],
    check(c) {
      if (c.clusterMode !== "existing" || c.kubeconfig === undefined) return ok;
      const source = kubeconfigSource(c.kubeconfig);
      let pinned;
      try {
        pinned = pinnedKubeconfig(c);
      } catch (e) {
        const noContext = /kubeContext is not set|has no context/.test((e as Error).message);
        return {
          problems: [{
            key: noContext ? "kubeContext" : "kubeconfig",
            // Content is a secret: the message names a file, never the content.
            expected: `the kubeconfig ${source.kind === "file" ? `at ${source.path} ` : "(content) "}${(e as Error).message}`,
            got: noContext ? c.kubeContext : source.kind === "file" ? c.kubeconfig : SECRET_PLACEHOLDER,
            fix: noContext ? "pulumi config set kubeContext <context>" : "pulumi config set kubeconfig <path to your kubeconfig>",
          }],
          warnings: [],
        };
      }
      if (c.namespace === "default" && "unsupported" in pinned.access) {
        return {
          problems: [{
            key: "namespace",
            expected:
              `must be a namespace of the ensemble's own with this kubeconfig: in a namespace the program does not create, ` +
              `it removes the servers' pods at destroy through the API itself, which cannot authenticate as context ${pinned.context} does (${pinned.access.unsupported})`,
            got: c.namespace,
            fix: "pulumi config set namespace zookeeper",
          }],
          warnings: [],
        };
      }
      return ok;
    },
  },
  {
    reads: ["clusterMode", "exposeOnHost"],
    check(c) {
      if (!c.exposeOnHost || c.clusterMode === "kind") return ok;
      return {
        problems: [{
          key: "exposeOnHost",
          expected: `is only available when clusterMode is kind (it maps a host port into the kind cluster), and clusterMode is ${c.clusterMode}`,
          got: c.exposeOnHost,
          fix: "pulumi config set exposeOnHost false; on another cluster use kubectl port-forward svc/zk-cs 2181",
        }],
        warnings: [],
      };
    },
  },
  {
    reads: ["clusterMode", "antiAffinity", "replicas", "workers"],
    check(c) {
      if (c.clusterMode !== "kind" || c.antiAffinity !== "required") return ok;
      const nodes = schedulableNodes(c.workers);
      if (c.replicas > nodes) {
        const fix = c.workers === 0
          ? "pulumi config set antiAffinity preferred (one node cannot separate servers), or pulumi config set workers " + (c.replicas - 1)
          : `pulumi config set workers ${c.replicas - 1}, or pulumi config set antiAffinity preferred`;
        return {
          problems: [{
            key: "antiAffinity",
            expected:
              `must not be required with more servers (${c.replicas}) than schedulable nodes (${nodes}: 1 control plane + ${c.workers} workers): ` +
              `server ${nodes + 1} would stay Pending forever`,
            got: c.antiAffinity,
            fix,
          }],
          warnings: [],
        };
      }
      return ok;
    },
  },
  {
    reads: ["clusterMode", "zoneSpread"],
    check(c) {
      if (c.clusterMode !== "kind" || c.zoneSpread !== "required") return ok;
      return {
        problems: [{
          key: "zoneSpread",
          expected: "must not be required on kind: kind nodes carry no topology.kubernetes.io/zone label, so no server could be scheduled",
          got: c.zoneSpread,
          fix: "pulumi config set zoneSpread none",
        }],
        warnings: [],
      };
    },
  },
];

/** Runs every rule whose settings all parsed; a rule never sees an invalid value. */
export function checkRules(values: ParsedValues) {
  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  for (const rule of [...VALUE_RULES, ...MODE_RULES]) {
    if (!rule.reads.every((key) => key in values)) continue;
    const result = rule.check(values as StackConfig);
    problems.push(...result.problems);
    warnings.push(...result.warnings);
  }
  return { problems, warnings };
}
