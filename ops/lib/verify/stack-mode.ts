// `verify --stack`: the stack's outputs and kubeconfig (never the ambient kubeconfig), the pods,
// volumes and PodDisruptionBudget through the Kubernetes API, and the ZooKeeper checks of each
// server through its own port-forward.
import { PORTS } from "../../../components/zookeeper/ports";
import { StackError } from "../stack";
import { readStackTarget } from "../stack-endpoint";
import { CouldNotCheck, Report, Row } from "../../../zk/verify/types";
import { Bounds } from "../../../zk/verify/bounds";
import { Endpoint } from "../../../zk/verify/endpoint";
import { StackTarget } from "./stack-target";
import { EnsembleObjects, judgeClaims, judgeDisruptionBudget, judgeNodes, judgePods } from "./judge-kube";
import { kubectlNext } from "./kubectl-next";
import { checkZooKeeper, nothingAnswered } from "../../../zk/verify/zookeeper-checks";
import { judgeVerdict } from "../../../zk/verify/verdict";
import { checkTenants } from "../../../zk/verify/tenants";
import type { Tunnel } from "./tunnel";
import type { KubeConfig } from "@kubernetes/client-node";

/** How verify reaches the cluster: the API's objects, and a tunnel to a pod's client port. */
export interface Cluster {
  read(): Promise<EnsembleObjects>;
  tunnel(pod: string): Promise<Tunnel>;
}

export async function verifyStack(stack: string, bounds: Bounds): Promise<Report> {
  let t: StackTarget;
  let kc: KubeConfig;
  try {
    ({ target: t, kubeconfig: kc } = await readStackTarget(stack, { command: "verify", timeoutMs: bounds.stackOutputsMs }));
  } catch (e) {
    throw e instanceof StackError ? new CouldNotCheck(e.message) : e;
  }
  const { readEnsemble } = await import("./kube-reader");
  const { openTunnel } = await import("./tunnel");
  return verifyTarget(
    t,
    { read: () => readEnsemble(kc, t, bounds.kubeApiMs), tunnel: (pod) => openTunnel(kc, t.namespace, pod, PORTS.client) },
    bounds,
  );
}

/**
 * What repairs a drifted tenant: the tenants Job run again. Its name carries a digest of the plan, so
 * `pulumi up` with an unchanged plan leaves the finished Job be (zk/verify/tenants.ts).
 */
export function tenantsRepair(t: StackTarget): string {
  return `npm run up -- --stack ${t.stack} --replace '${t.tenantPlan!.jobUrn}'`;
}

export async function verifyTarget(t: StackTarget, cluster: Cluster, bounds: Bounds): Promise<Report> {
  const objects = await cluster.read();
  const rows: Row[] = [...judgePods(t, objects), ...judgeClaims(t, objects), judgeNodes(t, objects)];
  const tunnels: Tunnel[] = [];
  try {
    const endpoints = await Promise.all(
      t.pods.map(async (name): Promise<Endpoint> => {
        const pod = objects.pods.find((p) => p.metadata?.name === name);
        if (!pod) return { label: name, unavailable: "the pod does not exist" };
        if (pod.status?.phase !== "Running") return { label: name, unavailable: `the pod is ${pod.status?.phase ?? "not running"}` };
        try {
          const tunnel = await cluster.tunnel(name);
          tunnels.push(tunnel);
          return { label: name, host: tunnel.host, port: tunnel.port, tunnelError: tunnel.lastError };
        } catch (e) {
          return { label: name, unavailable: `no port-forward: ${e instanceof Error ? e.message : String(e)}` };
        }
      }),
    );
    // With the stack's client authentication on, the sanity test's sessions authenticate as its admin user.
    const z = await checkZooKeeper(endpoints, kubectlNext(t), bounds, { auth: { sasl: t.sasl }, scope: "stack" });
    rows.push(...z.rows, judgeDisruptionBudget(t, objects.pdb, z.summary.serving.length));
    if (t.tenantPlan) {
      const reachable = endpoints.filter((e) => e.host !== undefined && e.port !== undefined);
      rows.push(
        ...(reachable.length
          ? await checkTenants(reachable.map((e) => `${e.host}:${e.port}`).join(","), t.sasl, t.tenantPlan, tenantsRepair(t), bounds)
          : [{ check: "tenants", server: "-", result: "WARN" as const, detail: "not checked: no server to ask", notChecked: true }]),
      );
    }
    // Pods running, but the API forwarded no connection to any (RBAC, a proxy): nothing was asked.
    const silence = nothingAnswered(z.answers);
    const blocked = silence && tunnels.length > 0 && tunnels.every((tn) => !tn.forwarded());
    const summary = blocked
      ? { ...z.summary, couldNotCheck: `the Kubernetes API forwarded no connection to any server pod: ${silence}` }
      : z.summary;
    return { rows, info: z.info, verdict: judgeVerdict(summary, rows) };
  } finally {
    await Promise.all(tunnels.map((tn) => tn.close()));
  }
}
