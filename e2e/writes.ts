// A drill with the continuous writer running (zk/writer.ts, the code the loopback tests prove):
// it writes through the host endpoint before, during and after the disruption, must be
// acknowledged again afterwards, and then every acknowledged write is read back through the host
// endpoint and through each server alone (a port-forward per pod, a sync first). One lost
// acknowledged write fails the drill.
import { ContinuousWriter, ReadBack, WriterReport, describeWrites } from "../zk/writer";
import { CheckFailed } from "./assert";
import type { Kube } from "./kube";
import { waitFor } from "./wait";

export interface WriterContext {
  kube: Kube;
  /** 127.0.0.1:<hostPort>: the NodePort of the client Service, as a client on the laptop reaches it. */
  hostEndpoint: string;
}

/** Acknowledged writes required after the disruption: the ensemble serves again. */
const AFTER = 20;

/** What the JSON timings keep of a writer's run. */
function summary(report: WriterReport, readBacks: ReadBack[]) {
  return {
    attempted: report.attempted,
    acknowledged: report.acknowledged,
    unknown: report.unknown,
    refused: report.refused,
    sessions: report.sessions,
    longestGapSeconds: report.longestGapMs / 1000,
    lost: Math.max(...readBacks.map((r) => r.lost.length)),
    unknownApplied: Math.max(...readBacks.map((r) => r.unknownApplied)),
  };
}

async function readBackEverywhere(kube: Kube, writer: ContinuousWriter, hostEndpoint: string): Promise<ReadBack[]> {
  const readBacks = [await writer.readBack(hostEndpoint)];
  for (const pod of kube.expected.pods) {
    const forward = await kube.forward(pod);
    try {
      readBacks.push({ ...(await writer.readBack(forward.address)), through: `${pod} (port-forward)` });
    } finally {
      await forward.close();
    }
  }
  return readBacks;
}

/** Runs `disrupt` with a writer running under `/e2e/<drill>`; resolves with its details and the writer's accounting. */
export async function withWriter(
  ctx: WriterContext,
  drill: string,
  disrupt: (writer: ContinuousWriter) => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const writer = await ContinuousWriter.start({
    connectionString: ctx.hostEndpoint,
    root: `/e2e/${drill}`,
    ratePerSecond: 20,
    writeTimeoutMs: 3000,
    connectTimeoutMs: 10000,
  });
  let details: Record<string, unknown>;
  let report: WriterReport;
  try {
    await waitFor("the writer's first 10 acknowledged writes", async () => writer.acknowledged >= 10, 60000, { intervalMs: 200 });
    details = await disrupt(writer);
    const target = writer.acknowledged + AFTER;
    await waitFor(`${AFTER} more acknowledged writes after the drill`, async () => writer.acknowledged >= target, 120000, {
      intervalMs: 200,
    });
  } finally {
    report = await writer.stop();
  }
  const readBacks = await readBackEverywhere(ctx.kube, writer, ctx.hostEndpoint);
  console.log(`   writes: ${describeWrites(report, readBacks)}`);
  const lost = readBacks.filter((r) => r.lost.length);
  if (lost.length) {
    throw new CheckFailed(
      `acknowledged writes lost: ${lost.map((r) => `${r.lost.length} through ${r.through} (first: ${r.lost.slice(0, 5).join(", ")})`).join("; ")}`,
    );
  }
  return { ...details, writes: summary(report, readBacks) };
}
