// What the components' errors and alerts tell a user to change, in this stack's terms: the
// `pulumi config` commands of the settings that feed the components' arguments. The components
// name their own arguments (components/ knows nothing of stack settings); index.ts hands them these.
import type { KindAdvice } from "../components/kind/provider";
import type { MonitoringAdvice } from "../components/zookeeper/metrics";
import { configRemedy } from "./problems";
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
