// The first `pulumi up` of the suite, with the timings of its parts: the kind cluster (the dynamic
// resource's create, node image pull included), the ensemble (the StatefulSet's create, which
// pulumi-kubernetes ends only when every replica is Ready) and the ZooKeeper image pull (from the
// kubelet's Pulled events).
import { execFile } from "child_process";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { KIND_NODE_IMAGE } from "../components/kind/config";
import { check } from "./assert";
import { Kube } from "./kube";
import { expectedFromRender } from "./expected";
import type { ThrowawayStack } from "./stack";
import type { Timings } from "./timings";

/** Seconds in a Go duration as the kubelet prints it (1m2.5s, 950ms, 7.1s). */
function goDurationSeconds(text: string): number | undefined {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  const parts = [...text.matchAll(/([0-9.]+)(h|ms|m|s|us|µs|ns)/g)];
  return parts.length ? parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0) : undefined;
}

function imagePresent(engine: string, image: string): Promise<boolean> {
  return new Promise((resolve) => execFile(engine, ["image", "inspect", image], { timeout: 30000 }, (err) => resolve(!err)));
}

/** Per pod: seconds the kubelet took to pull the ZooKeeper image, 0 where it was present already. */
async function imagePulls(kube: Kube): Promise<Record<string, number>> {
  const pulls: Record<string, number> = {};
  for (const event of await kube.events()) {
    const pod = event.involvedObject?.name ?? "?";
    const pulled = /Successfully pulled image "[^"]+" in (\S+)/.exec(event.message ?? "");
    if (event.reason === "Pulled" && pulled) pulls[pod] = goDurationSeconds(pulled[1]) ?? 0;
    else if (event.reason === "Pulled" && /already present/.test(event.message ?? "")) pulls[pod] ??= 0;
  }
  return pulls;
}

export async function firstUp(
  stack: ThrowawayStack,
  timings: Timings,
  engine: string,
  upTimeoutMs: number,
): Promise<{ outputs: Record<string, unknown>; kube: Kube }> {
  const started = new Map<string, number>();
  const took: { urn: string; type: string; seconds: number }[] = [];
  const onEvent = (e: EngineEvent) => {
    const pre = e.resourcePreEvent?.metadata;
    if (pre) started.set(pre.urn, Date.now());
    const done = e.resOutputsEvent?.metadata;
    if (done && started.has(done.urn)) took.push({ urn: done.urn, type: done.type, seconds: (Date.now() - started.get(done.urn)!) / 1000 });
  };
  const nodeImagePresentBefore = await imagePresent(engine, KIND_NODE_IMAGE);
  await timings.time("pulumi up (first: cluster, storage, ensemble)", async () => {
    await stack.up(upTimeoutMs, { onEvent });
  });
  const cluster = took.find((t) => t.urn.endsWith("::cluster-kind"));
  const ensemble = took.find((t) => t.type === "kubernetes:apps/v1:StatefulSet");
  check(
    cluster && ensemble,
    `pulumi up reported no create of the kind cluster or of the StatefulSet (saw: ${took.map((t) => t.urn.split("::").pop()).join(", ")})`,
  );
  timings.record("cluster create (kind)", cluster.seconds, { nodeImage: KIND_NODE_IMAGE, nodeImagePresentBefore });

  const outputs = await stack.outputs();
  check(typeof outputs.kubeconfig === "string", "the stack exports no kubeconfig");
  const kube = await Kube.fromKubeconfig(outputs.kubeconfig, expectedFromRender(await stack.renderedObjects(), outputs));
  const pulls = await imagePulls(kube);
  timings.record("image pull (ZooKeeper image, slowest pod)", Math.max(0, ...Object.values(pulls)), { perPod: pulls });
  timings.record("ensemble Ready (StatefulSet create to every server Ready)", ensemble.seconds);
  return { outputs, kube };
}
