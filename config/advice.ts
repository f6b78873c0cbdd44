// What the components' errors and alerts tell a user to change, in this stack's terms: the
// `pulumi config` commands of the settings that feed the components' arguments. The components
// name their own arguments (components/ knows nothing of stack settings); to-components.ts hands them these.
import type { KindAdvice } from "../components/kind/provider";
import type { MonitoringAdvice } from "../components/zookeeper/metrics";
import { configRemedy } from "./problems";
import { parseByteQuantity } from "../components/zookeeper/quantities";
import { SettingKey } from "./settings";

/** `pulumi config set <key> <value>`, for a setting that exists. */
const set = (key: SettingKey, to: string | number) => configRemedy({ set: key, to });

/** For the kind cluster's errors at `pulumi up`. */
export const STACK_KIND_ADVICE: KindAdvice = {
  rename: `give this stack another cluster (${set("clusterName", "<another-name>")})`,
  moreTime: `raise the time limit (${set("kindCreateTimeoutSeconds", 900)})`,
  useExisting: `deploy into a cluster that exists (${set("clusterMode", "existing")}, with kubeconfig and kubeContext)`,
};

/** For the alerts of the PrometheusRule. */
export const STACK_MONITORING_ADVICE: MonitoringAdvice = { raiseHeap: set("heap", "<size, e.g. 2g>") };

/**
 * pulumi-kubernetes writes a rendered Secret's data as it is, base64 but not encrypted, to
 * <dir>/1-manifest/v1-secret-<namespace>-<name>.yaml (provider/pkg/provider/provider.go
 * renderPathForResource), with only a terse log line of its own; this says which and what to do.
 */
export function plainSecretsInRender(directory: string, namespace: string, secretNames: string[]): string {
  const files = secretNames.map((n) => `${directory}/1-manifest/v1-secret-${namespace}-${n}.yaml`);
  return (
    `render mode writes ${secretNames.length === 1 ? "a Secret" : `${secretNames.length} Secrets`} with ${secretNames.length === 1 ? "its" : "their"} ` +
    `data in plain text (base64, not encrypted): ${files.join(", ")}. Anyone who can read ${directory} can read them. ` +
    `Keep them out of version control (this project git-ignores only /rendered/): encrypt them before you commit ` +
    `(SOPS, Sealed Secrets) or delete them and create the Secrets in the cluster yourself. ` +
    `A TLS key stays out of the render with a Secret you manage (${configRemedy({ set: "tlsSecretName", to: "<its name>" })}).`
  );
}

const GiB = 2 ** 30;
const gib = (bytes: number) => `${(bytes / GiB).toFixed(1)} GiB`;

/**
 * kind's nodes are containers on this machine, so no node has more memory than the machine: a server
 * that asks for more is never scheduled, and servers that together ask for more than the machine has
 * compete for it (whether the scheduler lets them all in depends on the memory each node reports,
 * which this program does not know). `machineBytes`: os.totalmem().
 */
export function kindMemoryWarning(memoryPerServer: string, replicas: number, machineBytes: number): string | undefined {
  const each = parseByteQuantity(memoryPerServer);
  if (each === undefined) return undefined;
  const lower = `${configRemedy({ set: "heap", to: "<a smaller size>" })}, or deploy to a larger cluster (${configRemedy({ set: "clusterMode", to: "existing" })})`;
  if (each > machineBytes) {
    return (
      `each server asks for ${memoryPerServer} of memory (${gib(each)}), more than this machine has in all (${gib(machineBytes)}), ` +
      `and kind's nodes are containers on it: no node can take a server, and the servers stay Pending until pulumi up gives up. Lower it: ${lower}`
    );
  }
  if (each * replicas > machineBytes) {
    return (
      `the ${replicas} servers ask for ${gib(each * replicas)} of memory together (${memoryPerServer} each), more than this machine has ` +
      `(${gib(machineBytes)}), which kind's nodes share: they may not all be scheduled, or may be killed for memory under load. Lower it: ${lower}`
    );
  }
  return undefined;
}
