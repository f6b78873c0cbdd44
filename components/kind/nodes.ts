// Waiting for every node of a new kind cluster. `kind create cluster --wait` waits for the
// control-plane nodes only and exits 0 when that wait times out (kubernetes-sigs/kind v0.32.0
// pkg/cluster/internal/create/actions/waitforready/waitforready.go), so workers may still be
// NotReady when it returns. Serialized with the dynamic provider: built-in modules only.
import { KubeAccess, kubeRequest, apiError } from "../kube-api/client";

/** Nodes the rendered kind config declares: one per `role:` entry. */
export function declaredNodeCount(config: string): number {
  return (config.match(/^\s*-?\s*role:\s*\S+/gm) ?? []).length;
}

export interface NodeReadiness {
  name: string;
  ready: boolean;
  /** The Ready condition's reason and message, when not ready. */
  why?: string;
}

/** Each node's Ready condition, as the API server reports it. */
async function nodeReadiness(access: KubeAccess): Promise<NodeReadiness[]> {
  const res = await kubeRequest(access, "GET", "/api/v1/nodes", 10000);
  if (res.status !== 200) throw apiError("listing the cluster's nodes", res);
  return (res.body.items ?? []).map((node: any) => {
    const ready = (node.status?.conditions ?? []).find((c: any) => c.type === "Ready");
    return {
      name: node.metadata.name,
      ready: ready?.status === "True",
      why:
        ready?.status === "True"
          ? undefined
          : ready
            ? `${ready.reason ?? "NotReady"}: ${ready.message ?? ""}`.trim()
            : "no Ready condition yet",
    };
  });
}

/**
 * Polls until `expected` nodes exist and every one is Ready; rejects after `timeoutMs` with what
 * each node that is not Ready reports, and what usually causes it on a laptop.
 */
export async function waitForNodesReady(access: KubeAccess, expected: number, timeoutMs: number, pollMs = 2000): Promise<NodeReadiness[]> {
  const deadline = Date.now() + timeoutMs;
  let last: NodeReadiness[] = [];
  let lastError: unknown;
  for (;;) {
    try {
      last = await nodeReadiness(access);
      lastError = undefined;
      if (last.length >= expected && last.every((n) => n.ready)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() + pollMs > deadline) break;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const missing = expected - last.length;
  const lines = [
    ...last.filter((n) => !n.ready).map((n) => `  ${n.name}: ${n.why}`),
    ...(missing > 0 ? [`  ${missing} of the ${expected} nodes never registered`] : []),
    ...(lastError ? [`  last error: ${(lastError as Error).message}`] : []),
  ];
  throw new Error(
    `not every node of the kind cluster was Ready within ${Math.round(timeoutMs / 1000)} s:\n${lines.join("\n")}\n` +
      "On Linux, multi-node kind clusters often exhaust the inotify limits (kind's known issues: " +
      "sudo sysctl fs.inotify.max_user_watches=524288 fs.inotify.max_user_instances=512); also check that Docker " +
      "has the memory and disk for every node, or raise kindCreateTimeoutSeconds.",
  );
}
