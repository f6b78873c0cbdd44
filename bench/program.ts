// How long the program takes to evaluate under Pulumi mocks, by ensemble size and by the number of
// ensembles in one program. Prints figures; asserts nothing (a busy machine would make it flaky).
import * as k8s from "@pulumi/kubernetes";
import { performance } from "perf_hooks";
import { runProgram, useMocks, settle, promiseOf } from "../harness/mocks";
import { ZooKeeperEnsemble } from "../components/zookeeper";

const RUNS = 7;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(run: () => Promise<number>): Promise<{ resources: number; ms: number }> {
  await run(); // warm-up: module loading and JIT
  const times: number[] = [];
  let resources = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    resources = await run();
    times.push(performance.now() - start);
  }
  return { resources, ms: median(times) };
}

async function main() {
  console.log(`whole program (index.ts) under mocks, median of ${RUNS} runs`);
  console.log("replicas  resources  ms/run");
  for (const replicas of [1, 3, 5, 7, 9]) {
    const { resources, ms } = await measure(async () => {
      // One kind node per server, as required anti-affinity needs.
      const run = await runProgram("bench", { replicas: String(replicas), workers: String(replicas) });
      return run.resources.length;
    });
    console.log(`${String(replicas).padStart(8)}  ${String(resources).padStart(9)}  ${ms.toFixed(1).padStart(6)}`);
  }

  console.log(`\nensembles in one program (3 servers each, each in a namespace of its own), median of ${RUNS} runs`);
  console.log("ensembles  resources  ms/run  ms/ensemble");
  for (const count of [1, 10, 50]) {
    const { resources, ms } = await measure(async () => {
      const list = useMocks("bench");
      const provider = new k8s.Provider("cluster", {});
      const ensembles = Array.from(
        { length: count },
        // A namespace the ensemble makes: in one it does not make, each would warn that its pods outlive destroy.
        (_, i) => new ZooKeeperEnsemble(`e${i}`, { namePrefix: `e${i}-`, namespace: `bench-${i}` }, { provider }),
      );
      await Promise.all(ensembles.map((e) => promiseOf(e.statefulSet.urn)));
      await settle(list);
      return list.length;
    });
    console.log(
      `${String(count).padStart(9)}  ${String(resources).padStart(9)}  ${ms.toFixed(1).padStart(6)}  ${(ms / count).toFixed(2).padStart(11)}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
