// Judging the ensemble's Kubernetes objects into rows: pure functions of what the API returned.
import type { V1PersistentVolumeClaim, V1Pod, V1PodDisruptionBudget } from "@kubernetes/client-node";
import { Row, ENSEMBLE } from "../../../zk/verify/types";
import { StackTarget } from "./stack-target";
import { kubectl } from "./kubectl-next";
import { quorumOf } from "../../../zk/verify/judge-zookeeper";

export interface EnsembleObjects {
  pods: V1Pod[];
  /** By claim name; undefined where the claim does not exist. */
  claims: Record<string, V1PersistentVolumeClaim | undefined>;
  pdb?: V1PodDisruptionBudget;
  /** The claim template's name (the StatefulSet's volumeClaimTemplates), e.g. datadir. */
  claimTemplate: string;
}

export function claimName(o: Pick<EnsembleObjects, "claimTemplate">, pod: string): string {
  return `${o.claimTemplate}-${pod}`;
}

export function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

/** Why a pod is not Ready, from what `kubectl describe pod` would show first. */
function notReadyBecause(pod: V1Pod): string {
  const parts: string[] = [pod.status?.phase ?? "no status"];
  if (pod.metadata?.deletionTimestamp) parts.push("terminating");
  const unscheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (unscheduled) parts.push(`unschedulable: ${unscheduled.message ?? unscheduled.reason ?? ""}`.trim());
  for (const c of pod.status?.containerStatuses ?? []) {
    if (c.state?.waiting)
      parts.push(`${c.name} waiting: ${c.state.waiting.reason ?? ""}${c.state.waiting.message ? ` (${c.state.waiting.message})` : ""}`);
    else if (c.state?.terminated) parts.push(`${c.name} terminated: ${c.state.terminated.reason ?? `exit ${c.state.terminated.exitCode}`}`);
    else if (c.state?.running && !c.ready) parts.push(`${c.name} running, its readiness probe fails (the server does not serve)`);
  }
  return parts.join("; ");
}

export function judgePods(t: StackTarget, o: EnsembleObjects): Row[] {
  const rows: Row[] = [];
  for (const name of t.pods) {
    const pod = o.pods.find((p) => p.metadata?.name === name);
    if (!pod) {
      rows.push({
        check: "pod",
        server: name,
        result: "FAIL",
        detail: `no pod ${name} in namespace ${t.namespace}`,
        next: kubectl(t, `describe statefulset ${t.statefulSet}`),
      });
      continue;
    }
    rows.push(
      isReady(pod)
        ? { check: "pod", server: name, result: "ok", detail: `Ready on node ${pod.spec?.nodeName ?? "?"}` }
        : {
            check: "pod",
            server: name,
            result: "FAIL",
            detail: `not Ready: ${notReadyBecause(pod)}`,
            next: kubectl(t, `describe pod ${name}`),
          },
    );
    const statuses = pod.status?.containerStatuses ?? [];
    const restarts = statuses.reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
    if (restarts > 0) {
      const last = statuses.find((c) => c.lastState?.terminated)?.lastState?.terminated;
      const lastWhy = last
        ? `; last: ${last.reason ?? `exit ${last.exitCode}`}${last.finishedAt ? ` at ${new Date(last.finishedAt).toISOString()}` : ""}`
        : "";
      rows.push({
        check: "restarts",
        server: name,
        result: "WARN",
        detail: `restarted ${restarts} time(s) since it started${lastWhy}`,
        next: kubectl(t, `logs ${name} --previous`),
      });
    } else {
      rows.push({ check: "restarts", server: name, result: "ok", detail: "none since it started" });
    }
  }
  return rows;
}

type Spreading = "required" | "preferred" | "none";

/** The anti-affinity on kubernetes.io/hostname the pods were scheduled with (the pod spec holds the template's). */
export function antiAffinityOf(pod: V1Pod): Spreading {
  const a = pod.spec?.affinity?.podAntiAffinity;
  const byHost = (key?: string) => key === "kubernetes.io/hostname";
  if (a?.requiredDuringSchedulingIgnoredDuringExecution?.some((term) => byHost(term.topologyKey))) return "required";
  if (a?.preferredDuringSchedulingIgnoredDuringExecution?.some((w) => byHost(w.podAffinityTerm?.topologyKey))) return "preferred";
  return "none";
}

export function judgeNodes(t: StackTarget, o: EnsembleObjects): Row {
  const row = { check: "nodes", server: ENSEMBLE };
  const placed = o.pods.filter((p) => t.pods.includes(p.metadata?.name ?? "") && p.spec?.nodeName);
  if (placed.length === 0)
    return {
      ...row,
      result: "FAIL",
      detail: "no server pod is scheduled to a node",
      next: kubectl(t, `get pods -l ${t.podSelector} -o wide`),
    };
  const mode = antiAffinityOf(placed[0]);
  const byNode = new Map<string, string[]>();
  for (const p of placed) byNode.set(p.spec!.nodeName!, [...(byNode.get(p.spec!.nodeName!) ?? []), p.metadata!.name!]);
  const shared = [...byNode.entries()].filter(([, pods]) => pods.length > 1);
  const where = placed.map((p) => `${p.metadata!.name} on ${p.spec!.nodeName}`).join(", ");
  if (shared.length === 0) return { ...row, result: "ok", detail: `${byNode.size} distinct node(s): ${where} (anti-affinity ${mode})` };
  const clash = shared.map(([node, pods]) => `${pods.join(" and ")} share ${node}`).join("; ");
  const next = kubectl(t, `get pods -l ${t.podSelector} -o wide`);
  if (mode === "required") return { ...row, result: "FAIL", detail: `${clash}, although anti-affinity is required`, next };
  if (mode === "preferred")
    return {
      ...row,
      result: "WARN",
      detail: `${clash}: losing that node loses ${shared[0][1].length} servers (anti-affinity preferred)`,
      next,
    };
  return { ...row, result: "ok", detail: `${clash} (anti-affinity none)` };
}

export function judgeClaims(t: StackTarget, o: EnsembleObjects): Row[] {
  return t.pods.map((pod): Row => {
    const name = claimName(o, pod);
    const claim = o.claims[name];
    const row = { check: "volume", server: pod };
    if (!claim) return { ...row, result: "FAIL", detail: `no volume claim ${name}`, next: kubectl(t, "get pvc") };
    const phase = claim.status?.phase ?? "unknown";
    if (phase !== "Bound")
      return { ...row, result: "FAIL", detail: `claim ${name} is ${phase}, not Bound`, next: kubectl(t, `describe pvc ${name}`) };
    const cls = claim.spec?.storageClassName ?? "(none)";
    const size = claim.status?.capacity?.storage ?? "?";
    if (cls !== t.storageClassName) {
      return {
        ...row,
        result: "WARN",
        detail: `claim ${name} is on StorageClass ${cls}, the stack's is ${t.storageClassName} (docs/changing-settings.md: Storage changes)`,
        next: kubectl(t, `describe pvc ${name}`),
      };
    }
    return { ...row, result: "ok", detail: `claim ${name} Bound to ${claim.spec?.volumeName ?? "?"}, ${size}, StorageClass ${cls}` };
  });
}

/**
 * The PodDisruptionBudget against the quorum: a drain may take at most as many servers as the
 * quorum can spare now (servers that serve minus the quorum), and should be allowed that many.
 */
export function judgeDisruptionBudget(t: StackTarget, pdb: V1PodDisruptionBudget | undefined, serving: number): Row {
  const servers = t.pods.length;
  const quorum = quorumOf(servers);
  const tolerated = servers - quorum;
  const spareNow = Math.max(0, serving - quorum);
  const row = { check: "pdb", server: ENSEMBLE };
  const next = kubectl(t, `get pdb ${t.disruptionBudget}`);
  if (!pdb) {
    if (servers === 1) return { ...row, result: "ok", detail: "no PodDisruptionBudget: one server has no quorum to protect" };
    return {
      ...row,
      result: "FAIL",
      detail: `no PodDisruptionBudget ${t.disruptionBudget}: a drain may evict servers beyond the ${tolerated} the quorum tolerates`,
      next: kubectl(t, "get pdb"),
    };
  }
  const allowed = pdb.status?.disruptionsAllowed ?? 0;
  const spec =
    pdb.spec?.maxUnavailable !== undefined ? `maxUnavailable ${pdb.spec.maxUnavailable}` : `minAvailable ${pdb.spec?.minAvailable}`;
  const context = `${t.disruptionBudget} (${spec}) allows ${allowed} disruption(s); ${serving} of ${servers} servers serve, a quorum needs ${quorum}`;
  if (allowed > spareNow)
    return { ...row, result: "FAIL", detail: `${context}: a drain may break the quorum, which can spare ${spareNow} now`, next };
  if (allowed < spareNow)
    return { ...row, result: "WARN", detail: `${context}: drains wait although the quorum could spare ${spareNow}`, next };
  return { ...row, result: "ok", detail: `${context}: the quorum can spare ${spareNow}` };
}
