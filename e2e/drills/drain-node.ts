// The tutorial's maintenance drill: drain the node of one server. On kind its local-path volume is
// pinned to that node (rancher/local-path-provisioner gives each volume a required node affinity),
// so the evicted server stays Pending instead of moving; a second drain is refused by the
// PodDisruptionBudget (the eviction API answers 429); after uncordon the server is back on its node
// with its data.
import type { V1Pod } from "@kubernetes/client-node";
import { check } from "../assert";
import { isReady, Kube } from "../kube";
import { sleep, waitFor } from "../wait";
import { withWriter, WriterContext } from "../writes";
import { expectSameVolume, leaderAndFollowers, markVolume, uid } from "./server";

const isDaemonSetPod = (p: V1Pod) => p.metadata?.ownerReferences?.some((o) => o.kind === "DaemonSet") ?? false;
const isMirrorPod = (p: V1Pod) => Boolean(p.metadata?.annotations?.["kubernetes.io/config.mirror"]);
const isFinished = (p: V1Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed" || Boolean(p.metadata?.deletionTimestamp);

/**
 * `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`: cordon, then evict every pod
 * but DaemonSet and static ones, retrying an eviction a budget refuses (429) as kubectl does, every
 * 5 s, at most `ms`.
 */
async function drain(kube: Kube, node: string, ms: number): Promise<string[]> {
  await kube.cordon(node, true);
  const evicted: string[] = [];
  for (const pod of (await kube.podsOn(node)).filter((p) => !isDaemonSetPod(p) && !isMirrorPod(p) && !isFinished(p))) {
    const name = pod.metadata!.name!;
    const namespace = pod.metadata!.namespace!;
    await waitFor(
      `the eviction of ${namespace}/${name} from ${node}`,
      async () => {
        const answer = await kube.evict(name, namespace);
        if (!answer.allowed && answer.status !== 429) throw new Error(`eviction refused: ${answer.status} ${answer.message}`);
        return answer.allowed;
      },
      ms,
      { intervalMs: 5000 },
    );
    evicted.push(`${namespace}/${name}`);
  }
  return evicted;
}

export function drainNode(ctx: WriterContext & { kube: Kube }): Promise<Record<string, unknown>> {
  const { kube } = ctx;
  return withWriter(ctx, "drain-node", async () => {
    const { followers } = await leaderAndFollowers(kube);
    const pods = await kube.pods();
    const server = followers[0];
    const target = pods.find((p) => p.metadata?.name === server)!;
    const node = target.spec!.nodeName!;
    const other = pods.find((p) => p.metadata?.name !== server && p.spec?.nodeName !== node)!;
    const otherNode = other.spec!.nodeName!;
    const mark = await markVolume(kube, server);
    const cordoned = new Set<string>();
    try {
      cordoned.add(node);
      const evicted = await drain(kube, node, 120000);
      check(evicted.includes(`${kube.namespace}/${server}`), `draining ${node} did not evict ${server} (evicted: ${evicted.join(", ")})`);

      const pending = await waitFor(
        `${server} to be made anew and stay Pending (its volume is pinned to ${node})`,
        async () => {
          const now = await kube.pod(server);
          const scheduled = now?.status?.conditions?.find((c) => c.type === "PodScheduled");
          return now && uid(now) !== uid(target) && now.status?.phase === "Pending" && scheduled?.status === "False" && now;
        },
        180000,
        { intervalMs: 2000, describe: () => kube.describePods() },
      );
      const pendingReason = pending.status?.conditions?.find((c) => c.type === "PodScheduled")?.message ?? "";
      // Seen for a while, not only once: it must not move to another node.
      await sleep(15000);
      const still = await kube.pod(server);
      check(still?.status?.phase === "Pending", `${server} left Pending while ${node} was cordoned (now on ${still?.spec?.nodeName})`);

      // A second drain: the budget allows no second server down.
      cordoned.add(otherNode);
      await kube.cordon(otherNode, true);
      const refusals = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        const answer = await kube.evict(other.metadata!.name!);
        check(!answer.allowed, `the PodDisruptionBudget let a second server (${other.metadata!.name}) be evicted while ${server} was down`);
        check(
          answer.status === 429,
          `evicting ${other.metadata!.name} was refused with ${answer.status}, expected 429 from the budget: ${answer.message}`,
        );
        refusals.push(answer.message);
        await sleep(3000);
      }
      await kube.cordon(otherNode, false);
      cordoned.delete(otherNode);

      const uncordonedAt = Date.now();
      await kube.cordon(node, false);
      cordoned.delete(node);
      const back = await waitFor(
        `${server} to be scheduled on ${node} again and be Ready`,
        async () => {
          const now = await kube.pod(server);
          return now && isReady(now) && now;
        },
        300000,
        { intervalMs: 2000, describe: () => kube.describePods() },
      );
      check(back.spec?.nodeName === node, `${server} came back on ${back.spec?.nodeName}, not on its volume's node ${node}`);
      await expectSameVolume(kube, mark);
      return { node, server, pendingReason, secondDrainRefused: refusals[0], backAfterUncordonSeconds: (Date.now() - uncordonedAt) / 1000 };
    } finally {
      for (const n of cordoned) await kube.cordon(n, false).catch(() => undefined);
    }
  });
}
