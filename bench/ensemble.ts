// Figures of the rendered default configuration on real ZooKeeper servers on loopback: time to a
// served quorum, failover after a leader kill, and write/read throughput with 8 clients.
// Prints figures; asserts nothing.
import { performance } from "perf_hooks";
import { LocalEnsemble } from "../test/support/zk-ensemble";
import { ZkClient } from "../ops/lib/zk-client";

const CLIENTS = 8;
const SECONDS = 10;

async function firstWrite(zk: LocalEnsemble, ordinals: number[], path: string, boundMs = 60000): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    try {
      const c = await ZkClient.connect(zk.connect(ordinals), 2000);
      try {
        await c.create(path, "x", 2000);
        return;
      } finally {
        c.close();
      }
    } catch (e) {
      if (Date.now() > deadline) throw new Error(`no write succeeded within ${boundMs} ms: ${e}\n${zk.logTails()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function load(zk: LocalEnsemble, kind: "write" | "read"): Promise<string> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => ZkClient.connect(zk.connect([i % zk.servers.length]))));
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  try {
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; performance.now() < end; n++) {
          const start = performance.now();
          if (kind === "write") await c.create(`/bench/c${i}-${n}`, "0123456789");
          else await c.get("/bench");
          latencies.push(performance.now() - start);
        }
      }),
    );
  } finally {
    clients.forEach((c) => c.close());
  }
  latencies.sort((a, b) => a - b);
  return `${kind.padEnd(5)}  ${(latencies.length / SECONDS).toFixed(0).padStart(7)} ops/s  p50 ${percentile(latencies, 50).toFixed(2)} ms  p99 ${percentile(latencies, 99).toFixed(2)} ms`;
}

async function main() {
  const zk = new LocalEnsemble({ replicas: 3 });
  // Ctrl-C must not leave Java servers behind.
  process.once("SIGINT", () => void zk.destroy().then(() => process.exit(130)));
  try {
    console.log(
      `3 servers, rendered default config (tickTime ${zk.settings.zookeeper.tickTime}, syncLimit ${zk.settings.zookeeper.syncLimit}, heap ${zk.settings.heap}), loopback`,
    );
    let start = performance.now();
    zk.start();
    await firstWrite(zk, [0, 1, 2], "/bench");
    console.log(`start to first served write:        ${(performance.now() - start).toFixed(0)} ms`);
    await zk.waitReady();
    console.log(`start to all three ready (probes):   ${(performance.now() - start).toFixed(0)} ms`);

    const leader = (await zk.leaders())[0];
    const others = [0, 1, 2].filter((i) => i !== leader);
    start = performance.now();
    await zk.stop([leader], "SIGKILL");
    await firstWrite(zk, others, "/after-kill");
    console.log(`leader kill -9 to first write:       ${(performance.now() - start).toFixed(0)} ms`);
    zk.start([leader]);
    await zk.waitReady();

    console.log(`\n${CLIENTS} concurrent clients for ${SECONDS} s each:`);
    console.log(await load(zk, "write"));
    console.log(await load(zk, "read"));
  } finally {
    await zk.destroy();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
