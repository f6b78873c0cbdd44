// What `verify --stack` checks (and where `backup --stack` and `restore --stack` connect, through
// ops/lib/stack-endpoint.ts), from the stack's outputs alone: the namespace, each server's pod (the
// first label of its FQDN), the object names the program gives them, the StorageClass, the
// kubeconfig the stack deploys with (never the ambient one), and the sessions' credentials.
import { ensembleNames } from "../../../components/zookeeper/names";
import { labelSelectorQuery, podSelector } from "../../../components/zookeeper/labels";
import { SaslCredentials, stackSasl } from "../stack";
import { CouldNotCheck } from "../../../zk/verify/types";
import type { TenantsCheck } from "../../../zk/facts/tenants";

export interface StackTarget {
  stack: string;
  namespace: string;
  pods: string[];
  statefulSet: string;
  /** The pods' label selector, `app=zk`. */
  podSelector: string;
  disruptionBudget: string;
  storageClassName: string;
  kubeconfig: string;
  /** The kubectl context of the cluster, for the next commands; absent when the stack has none. */
  kubeContext?: string;
  /** SASL credentials of every ZooKeeper session: the admin user, when the stack has an adminPassword output. */
  sasl?: SaslCredentials;
  /** With tenants: the plan they are checked against and the tenants Job's URN (the stack output tenantPlan). */
  tenantPlan?: TenantsCheck;
}

/** The stack output tenantPlan, checked for the shape the program exports (components/zookeeper/ensemble.ts). */
function tenantPlanOf(stack: string, value: unknown): TenantsCheck | undefined {
  if (value === undefined) return undefined;
  const bad = () =>
    new CouldNotCheck(`stack '${stack}' output tenantPlan is not the tenants' plan: ${JSON.stringify(value).slice(0, 200)}`);
  if (typeof value !== "object" || value === null) throw bad();
  const { jobUrn, tenants } = value as Record<string, unknown>;
  if (typeof jobUrn !== "string" || !jobUrn.startsWith("urn:pulumi:") || !Array.isArray(tenants)) throw bad();
  for (const t of tenants) {
    const e = t as Record<string, unknown>;
    if (typeof e !== "object" || e === null || typeof e.name !== "string" || typeof e.user !== "string" || typeof e.chroot !== "string") {
      throw bad();
    }
  }
  return { jobUrn, tenants: tenants as TenantsCheck["tenants"] };
}

const REQUIRED = ["namespace", "serverFqdns", "storageClassName", "kubeconfig"] as const;

/** The target of `command` (for its messages: "the output(s) backup needs"); throws CouldNotCheck naming what the outputs lack. */
export function stackTarget(stack: string, outputs: Record<string, unknown>, command = "verify"): StackTarget {
  const deploy = `pulumi up --stack ${stack}`;
  if (Object.keys(outputs).length === 0) {
    throw new CouldNotCheck(`stack '${stack}' has no outputs: it has not been deployed (${deploy})`);
  }
  if (outputs.kubeconfig === undefined && typeof outputs.namespace === "string") {
    throw new CouldNotCheck(
      `stack '${stack}' has no kubeconfig output: it renders manifests (clusterMode render) and deploys no ensemble to check; ` +
        "check one you deployed from them with --servers host:port,...",
    );
  }
  const missing = REQUIRED.filter((k) => outputs[k] === undefined);
  if (missing.length) {
    throw new CouldNotCheck(
      `stack '${stack}' lacks the output(s) ${command} needs: ${missing.join(", ")} (${deploy} with this version of the program)`,
    );
  }
  const fqdns = outputs.serverFqdns;
  if (!Array.isArray(fqdns) || fqdns.length === 0 || !fqdns.every((f) => typeof f === "string" && f.includes("."))) {
    throw new CouldNotCheck(`stack '${stack}' output serverFqdns is not a list of server names: ${JSON.stringify(fqdns)}`);
  }
  for (const k of ["namespace", "storageClassName", "kubeconfig"] as const) {
    if (typeof outputs[k] !== "string" || outputs[k] === "") throw new CouldNotCheck(`stack '${stack}' output ${k} is not a string`);
  }
  if (outputs.adminPassword !== undefined && (typeof outputs.adminPassword !== "string" || outputs.adminPassword === "")) {
    throw new CouldNotCheck(`stack '${stack}' output adminPassword is not a string`);
  }
  const pods = (fqdns as string[]).map((f) => f.split(".")[0]);
  // Pods are <statefulSet>-<ordinal> and the StatefulSet is <namePrefix>zk (components/zookeeper/names.ts).
  const statefulSet = pods[0].replace(/-\d+$/, "");
  if (!statefulSet.endsWith("zk") || !pods.every((p, i) => p === `${statefulSet}-${i}`)) {
    throw new CouldNotCheck(
      `stack '${stack}' output serverFqdns does not name this program's pods (<prefix>zk-0, ...): ${pods.join(", ")}`,
    );
  }
  const names = ensembleNames(statefulSet.slice(0, -"zk".length));
  return {
    stack,
    namespace: outputs.namespace as string,
    pods,
    statefulSet: names.statefulSet,
    podSelector: labelSelectorQuery(podSelector(names)),
    disruptionBudget: names.disruptionBudget,
    storageClassName: outputs.storageClassName as string,
    kubeconfig: outputs.kubeconfig as string,
    kubeContext: typeof outputs.kubeContext === "string" ? outputs.kubeContext : undefined,
    sasl: stackSasl(outputs),
    ...(outputs.tenantPlan !== undefined ? { tenantPlan: tenantPlanOf(stack, outputs.tenantPlan) } : {}),
  };
}
