// The tutorial's durability drill: delete the StatefulSet (its pods go with it, the claims stay)
// and recreate it with `pulumi up --refresh` (a plain `up` compares with its state, in which the
// StatefulSet still exists, and changes nothing: README "Durability"). Every server comes back on
// its own volume and no acknowledged write is lost.
import type { Kube } from "../kube";
import type { ThrowawayStack } from "../stack";
import { waitFor } from "../wait";
import { withWriter, WriterContext } from "../writes";
import { expectSameVolume, markVolume } from "./server";

export function deleteStatefulSet(
  ctx: WriterContext & { kube: Kube; stack: ThrowawayStack; upTimeoutMs: number },
): Promise<Record<string, unknown>> {
  const { kube } = ctx;
  return withWriter(ctx, "delete-statefulset", async () => {
    const marks = await Promise.all(kube.expected.pods.map((pod) => markVolume(kube, pod)));
    const start = Date.now();
    // kubectl delete statefulset zk: background cascade, so the pods are deleted too.
    await kube.apps.deleteNamespacedStatefulSet({
      name: kube.expected.statefulSet,
      namespace: kube.namespace,
      propagationPolicy: "Background",
    });
    await waitFor("the StatefulSet's pods to be gone", async () => (await kube.pods()).length === 0, 180000, {
      intervalMs: 2000,
      describe: () => kube.describePods(),
    });
    const goneSeconds = (Date.now() - start) / 1000;
    const upStart = Date.now();
    await ctx.stack.up(ctx.upTimeoutMs, { refresh: true });
    const upRefreshSeconds = (Date.now() - upStart) / 1000;
    await kube.waitAllReady(300000);
    for (const mark of marks) await expectSameVolume(kube, mark);
    return { goneSeconds, upRefreshSeconds, volumesKept: marks.length };
  });
}
