// Reading the ensemble's objects through the Kubernetes API with the stack's kubeconfig, each
// request bounded (the client library sets no timeout of its own).
import type { KubeConfig } from "@kubernetes/client-node";
import { CouldNotCheck } from "../../../zk/verify/types";
import { StackTarget } from "./stack-target";
import { EnsembleObjects } from "./judge-kube";

/** The name of the StatefulSet's claim template when the StatefulSet cannot be read (components/zookeeper/statefulset.ts). */
const DEFAULT_CLAIM_TEMPLATE = "datadir";

function bounded<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/** An API error in one line: the Status message the server sent, or the network error. */
export function apiError(e: unknown): string {
  const code = (e as any)?.code;
  const body = (e as any)?.body;
  if (typeof code === "number") {
    let message: string | undefined;
    try {
      message = (typeof body === "string" ? JSON.parse(body) : body)?.message;
    } catch {
      message = typeof body === "string" ? body.slice(0, 200) : undefined;
    }
    return `HTTP ${code}${message ? `: ${message}` : ""}`;
  }
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n")[0];
}

const notFound = (e: unknown) => (e as any)?.code === 404;

export async function readEnsemble(kc: KubeConfig, t: StackTarget, ms: number): Promise<EnsembleObjects> {
  const k8s = await import("@kubernetes/client-node");
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const policy = kc.makeApiClient(k8s.PolicyV1Api);
  const server = kc.getCurrentCluster()?.server ?? "?";
  const orAbsent = async <T>(what: string, p: Promise<T>): Promise<T | undefined> => {
    try {
      return await bounded(ms, what, p);
    } catch (e) {
      if (notFound(e)) return undefined;
      const check = `kubectl${t.kubeContext ? ` --context ${t.kubeContext}` : ""} cluster-info`;
      throw new CouldNotCheck(`${what} through the Kubernetes API at ${server} failed: ${apiError(e)} (is the cluster up? ${check})`);
    }
  };
  // Pods first: when the API cannot be reached or read, nothing else is tried.
  const list = await orAbsent(
    `listing pods ${t.podSelector} in namespace ${t.namespace}`,
    core.listNamespacedPod({ namespace: t.namespace, labelSelector: t.podSelector }),
  );
  const statefulSet = await orAbsent(
    `reading statefulset ${t.statefulSet}`,
    apps.readNamespacedStatefulSet({ name: t.statefulSet, namespace: t.namespace }),
  );
  const claimTemplate = statefulSet?.spec?.volumeClaimTemplates?.[0]?.metadata?.name ?? DEFAULT_CLAIM_TEMPLATE;
  const [pdb, ...claims] = await Promise.all([
    orAbsent(
      `reading poddisruptionbudget ${t.disruptionBudget}`,
      policy.readNamespacedPodDisruptionBudget({ name: t.disruptionBudget, namespace: t.namespace }),
    ),
    ...t.pods.map((pod) => {
      const name = `${claimTemplate}-${pod}`;
      return orAbsent(`reading persistentvolumeclaim ${name}`, core.readNamespacedPersistentVolumeClaim({ name, namespace: t.namespace }));
    }),
  ]);
  return {
    pods: list?.items ?? [],
    claims: Object.fromEntries(t.pods.map((pod, i) => [`${claimTemplate}-${pod}`, claims[i]])),
    pdb,
    claimTemplate,
  };
}

/** The stack's kubeconfig, at the context the stack names (it is pinned to one already). */
export async function loadKubeconfig(t: StackTarget): Promise<KubeConfig> {
  const k8s = await import("@kubernetes/client-node");
  const kc = new k8s.KubeConfig();
  try {
    kc.loadFromString(t.kubeconfig);
  } catch (e) {
    throw new CouldNotCheck(`stack '${t.stack}' output kubeconfig is not a kubeconfig: ${apiError(e)}`);
  }
  if (t.kubeContext && kc.getContexts().some((c) => c.name === t.kubeContext)) kc.setCurrentContext(t.kubeContext);
  if (!kc.getCurrentCluster()) throw new CouldNotCheck(`stack '${t.stack}' output kubeconfig names no cluster for its current context`);
  return kc;
}
