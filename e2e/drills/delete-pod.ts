// The tutorial's "delete a pod": the StatefulSet makes it anew, with the same name, identity and
// volume, and the ensemble keeps every acknowledged write.
import { isReady, Kube } from "../kube";
import { waitFor } from "../wait";
import { withWriter, WriterContext } from "../writes";
import { expectIdentity, expectSameVolume, leaderAndFollowers, markVolume, uid } from "./server";

export function deletePod(ctx: WriterContext & { kube: Kube }): Promise<Record<string, unknown>> {
  const { kube } = ctx;
  return withWriter(ctx, "delete-pod", async () => {
    const pod = (await leaderAndFollowers(kube)).followers[0];
    const before = await kube.pod(pod);
    const mark = await markVolume(kube, pod);
    const start = Date.now();
    await kube.core.deleteNamespacedPod({ name: pod, namespace: kube.namespace });
    await waitFor(
      `${pod} to come back as a new pod and be Ready`,
      async () => {
        const now = await kube.pod(pod);
        return now !== undefined && uid(now) !== uid(before) && isReady(now);
      },
      300000,
      { describe: () => kube.describePods() },
    );
    const backSeconds = (Date.now() - start) / 1000;
    await expectIdentity(kube, pod);
    await expectSameVolume(kube, mark);
    return { pod, backSeconds };
  });
}
