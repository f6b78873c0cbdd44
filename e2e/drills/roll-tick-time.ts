// Change a zoo.cfg setting (tickTime) with `pulumi up`: with rollOrder leader-last (the default) the
// StatefulSet (OnDelete) takes the new template and the roll Job restarts the servers one at a time,
// the followers first (highest ordinal first among them), each back and synced before the next, and
// the leader last (components/zookeeper/roll-job.ts, zk/roll.ts). A watcher samples the pods twice a second: never two servers down at once, and the
// writer acknowledged writes while each server was down, i.e. the ensemble kept serving.
import type { V1Pod } from "@kubernetes/client-node";
import type { ContinuousWriter } from "../../zk/writer";
import { check } from "../assert";
import { isReady, Kube } from "../kube";
import type { ThrowawayStack } from "../stack";
import { sleep } from "../wait";
import { withWriter, WriterContext } from "../writes";
import { leaderAndFollowers, uid } from "./server";

const NEW_TICK_TIME = 3000;

interface Sample {
  at: number;
  /** Servers without a Ready pod, or whose pod is the old one being deleted. */
  down: string[];
  acknowledged: number;
  uids: Record<string, string | undefined>;
}

function watch(kube: Kube, writer: ContinuousWriter): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const pods = await kube.pods().catch(() => undefined);
      if (pods) {
        const byName = new Map(pods.map((p) => [p.metadata!.name!, p] as [string, V1Pod]));
        samples.push({
          at: Date.now(),
          down: kube.expected.pods.filter((name) => {
            const p = byName.get(name);
            return !p || !isReady(p) || Boolean(p.metadata?.deletionTimestamp);
          }),
          acknowledged: writer.acknowledged,
          uids: Object.fromEntries(kube.expected.pods.map((name) => [name, uid(byName.get(name))])),
        });
      }
      await sleep(500);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return samples;
    },
  };
}

/** Each stretch of samples in which `pod` was down: [first, last] indexes. */
function downWindows(samples: Sample[], pod: string): [number, number][] {
  const windows: [number, number][] = [];
  samples.forEach((s, i) => {
    if (!s.down.includes(pod)) return;
    const last = windows[windows.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else windows.push([i, i]);
  });
  return windows;
}

export function rollTickTime(
  ctx: WriterContext & { kube: Kube; stack: ThrowawayStack; upTimeoutMs: number },
): Promise<Record<string, unknown>> {
  const { kube } = ctx;
  return withWriter(ctx, "roll-tick-time", async (writer) => {
    const before = Object.fromEntries((await kube.pods()).map((p) => [p.metadata!.name!, uid(p)]));
    const { leader } = await leaderAndFollowers(kube);
    const watcher = watch(kube, writer);
    let samples: Sample[];
    const start = Date.now();
    try {
      await ctx.stack.setConfig("tickTime", String(NEW_TICK_TIME));
      await ctx.stack.up(ctx.upTimeoutMs);
      await kube.waitAllReady(300000);
    } finally {
      samples = await watcher.stop();
    }
    const rollSeconds = (Date.now() - start) / 1000;

    const replacedAt = (pod: string) => samples.findIndex((s) => s.uids[pod] !== undefined && s.uids[pod] !== before[pod]);
    const pods = kube.expected.pods;
    for (const pod of pods) check(replacedAt(pod) >= 0, `${pod} was not replaced by the roll`);
    const order = [...pods].sort((a, b) => replacedAt(a) - replacedAt(b));
    // The roll Job: the followers from the highest ordinal down, then the leader.
    const expected = [...[...pods].reverse().filter((p) => p !== leader), leader];
    check(
      order.join(",") === expected.join(","),
      `the roll replaced the pods in the order ${order.join(", ")}, expected ${expected.join(", ")} (followers first, the leader ${leader} last)`,
    );
    const mostDown = Math.max(0, ...samples.map((s) => s.down.length));
    check(
      mostDown <= 1,
      `${mostDown} servers were down at once during the roll (${samples.find((s) => s.down.length === mostDown)?.down.join(", ")})`,
    );
    for (const pod of pods) {
      for (const [first, last] of downWindows(samples, pod)) {
        const from = samples[Math.max(0, first - 1)];
        const to = samples[Math.min(samples.length - 1, last + 1)];
        check(
          to.acknowledged > from.acknowledged,
          `no write was acknowledged while ${pod} was down (${((to.at - from.at) / 1000).toFixed(1)} s): the ensemble stopped serving`,
        );
      }
    }
    for (const pod of pods) {
      const cfg = await kube.exec(pod, ["cat", kube.expected.zooCfgPath]);
      check(new RegExp(`^tickTime=${NEW_TICK_TIME}$`, "m").test(cfg.stdout), `${pod}'s zoo.cfg does not have tickTime=${NEW_TICK_TIME}`);
    }
    return { tickTime: NEW_TICK_TIME, leaderBefore: leader, order, mostDownAtOnce: mostDown, rollSeconds };
  });
}
