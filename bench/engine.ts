// The dev stack under the real engine (the judges: judges/judges.ts), on the cluster tier's control
// plane with a stand-in kind: the first `pulumi up` to every server Ready, a no-op `up` (preview
// and update), and `destroy`, each timed; beside them the program's own evaluation under mocks, so
// the engine's share (CLI, language host, providers, API server round trips, awaits) shows. kwok
// makes pods Ready at once, so the first up here has no image pull and no JVM start: those are
// `npm run e2e`'s figures. Prints figures; asserts nothing. `npm run bench:engine [-- --runs N]`.
import { performance } from "perf_hooks";
import { clusterTierMissing } from "../harness/control-plane";
import { kindStack, stackFileStrings, tierEnv } from "../harness/cluster-tier";
import { runProgram } from "../harness/mocks";
import { stackConfig } from "../harness/stack-files";

const MS = 10 * 60 * 1000;

const seconds = (ms: number) => (ms / 1000).toFixed(1).padStart(6);

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function once(): Promise<Record<string, number>> {
  const tier = tierEnv();
  const dev = stackFileStrings("dev");
  const { plane, stack } = await kindStack(tier, dev, Number(dev.replicas));
  const quiet = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return {
      firstUp: await timed(() => stack.up(MS)),
      noOpPreview: await timed(() => stack.preview(MS, { expectNoChanges: true })),
      noOpUp: await timed(() => stack.up(MS)),
      destroy: await timed(() => stack.destroy(MS)),
    };
  } finally {
    process.stdout.write = quiet;
    stack.cleanup();
    await plane.stop();
    tier.restore();
  }
}

async function main(): Promise<void> {
  const missing = clusterTierMissing();
  if (missing) throw new Error(missing);
  const runs = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 3;
  const results: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  const program: number[] = [];
  for (let i = 0; i < 5; i++) program.push(await timed(() => runProgram("dev", stackConfig("dev"))));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `dev stack (kind mode, stand-in kind, 3 kwok workers), real CLI and providers, Kubernetes 1.36; seconds, min / median / max of ${runs}`,
  );
  for (const [key, label] of [
    ["firstUp", "first up, to every server Ready"],
    ["noOpPreview", "no-op preview (--expect-no-changes)"],
    ["noOpUp", "no-op up"],
    ["destroy", "destroy"],
  ]) {
    const xs = results.map((r) => r[key]);
    console.log(`${label.padEnd(38)} ${seconds(Math.min(...xs))} / ${seconds(median(xs))} / ${seconds(Math.max(...xs))}`);
  }
  console.log(`${"the program alone, under mocks".padEnd(38)} ${seconds(median(program))} (median of 5)`);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e.message ?? e);
    process.exit(1);
  },
);
