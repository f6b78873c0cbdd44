// The rendered ensemble on real ZooKeeper servers (the release npm run zookeeper fetched), each in its own network namespace,
// this project's defaults beside the tutorial's timing, measured in the same run: formation, a
// clean leader kill, a silent leader (cut off by a partition, and frozen), a rolling restart, start
// to all Ready as the kubelet would probe (the tutorial's column with the tutorial's probes), throughput, a wiped follower's resync, and the servers' GC
// pauses under load.
// Then resizing with dynamic membership on loopback (`--resize` runs only that part): each step as one
// `pulumi up` runs it (harness/resize-ensemble.ts), under a writer started for the step.
// Then rolling restarts on loopback (`--roll` runs only that part): rollOrder leader-last (the roll
// Job's code, zk/roll.ts, over harness/roll-ensemble.ts) against ordinal (the StatefulSet's
// RollingUpdate emulated on the same servers: highest ordinal first, each next once the last is Ready),
// 3 and 5 servers, the leader at the highest ordinal as after formation: elections per roll and the
// seconds without writes of the quick writer (harness/quick-writer.ts).
// min/median/max of RUNS runs. Prints figures; asserts nothing. Needs root (network namespaces).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { LocalEnsemble } from "../harness/zk-ensemble";
import { zookeeperVersion } from "../harness/zookeeper-release";
import { TestNetwork, canBuildNetwork } from "../harness/netns";
import { OPEN_ACL, ZkClient } from "../zk/zk-client";
import { ContinuousWriter } from "../zk/writer";
import { PROBE_TIMING } from "../components/zookeeper/statefulset";
import { TimingPreset } from "../components/zookeeper/options";
import { ResizeEnsemble, resizeWriterOptions } from "../harness/resize-ensemble";
import { RollEnsemble, writeThrough } from "../harness/roll-ensemble";
import { quickWriterOptions } from "../harness/quick-writer";
import { rollServers } from "../zk/roll";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LOAD_SECONDS = 5;
const CLIENTS = 8;
const SERVERS = [0, 1, 2];

type Figures = Record<string, number>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Milliseconds until one write through `ordinals` is acknowledged, each try bounded. */
async function untilWrite(zk: LocalEnsemble, ordinals: number[], path: string, since: number, boundMs = 120000): Promise<number> {
  for (;;) {
    try {
      const c = await ZkClient.open(zk.connect(ordinals), { connectMs: 500, requestMs: 500, sessionTimeoutMs: 4000 });
      try {
        await c.createNode(path, Buffer.from("x"), OPEN_ACL);
        return performance.now() - since;
      } finally {
        c.close();
      }
    } catch {
      if (performance.now() - since > boundMs) throw new Error(`no write through ${ordinals} within ${boundMs} ms\n${zk.logTails()}`);
      await sleep(20);
    }
  }
}

async function leaderOf(zk: LocalEnsemble, among = SERVERS): Promise<number> {
  let leaders: number[] = [];
  await zk.waitFor("one leader", async () => (leaders = await zk.leaders(among)).length === 1, 120000);
  return leaders[0];
}

/** How the kubelet probes for readiness: this project's rendered probes, or the tutorial's. */
interface ReadinessTiming {
  /** Before the first readiness probe: the startup probe's period until it passes, or a fixed delay. */
  first: { startupPeriodMs: number } | { initialDelayMs: number };
  periodMs: number;
}

const RENDERED_PROBES: ReadinessTiming = {
  first: { startupPeriodMs: PROBE_TIMING.startup(600).periodSeconds * 1000 },
  periodMs: PROBE_TIMING.readiness.periodSeconds * 1000,
};

/**
 * The tutorial's readiness probe: no startup probe, initialDelaySeconds 15 and the default period
 * of 10 s (../shared/reference/004 and 000, the zk StatefulSet's readinessProbe).
 */
const TUTORIAL_PROBES: ReadinessTiming = { first: { initialDelayMs: 15000 }, periodMs: 10000 };

/** Start to all Ready, probing as the kubelet does with the given timings. */
async function untilReadyAsKubelet(zk: LocalEnsemble, since: number, probes: ReadinessTiming): Promise<number> {
  const readyAt = await Promise.all(
    SERVERS.map(async (i) => {
      if ("startupPeriodMs" in probes.first) {
        while (!(await zk.probe(i, "live")).ok) await sleep(probes.first.startupPeriodMs);
        // Readiness runs on its own period once startup passed.
        await sleep(probes.periodMs);
      } else {
        await sleep(Math.max(0, since + probes.first.initialDelayMs - performance.now()));
      }
      for (;;) {
        if ((await zk.probe(i, "ready")).ok) return performance.now();
        await sleep(probes.periodMs);
      }
    }),
  );
  return Math.max(...readyAt) - since;
}

async function throughput(zk: LocalEnsemble, kind: "write" | "read"): Promise<number> {
  const clients = await Promise.all(
    SERVERS.concat(SERVERS, SERVERS)
      .slice(0, CLIENTS)
      .map((i) => ZkClient.open(zk.connect([i]))),
  );
  let ops = 0;
  const end = performance.now() + LOAD_SECONDS * 1000;
  try {
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; performance.now() < end; n++) {
          if (kind === "write")
            await c.createNode(`/bench/c${i}-${n}-${Math.random().toString(36).slice(2, 6)}`, Buffer.from("0123456789"), OPEN_ACL);
          else await c.read("/bench");
          ops++;
        }
      }),
    );
  } finally {
    clients.forEach((c) => c.close());
  }
  return ops / LOAD_SECONDS;
}

/** MB of data a follower resyncs from nothing (initLimit must cover it: README, "Failure detection"). */
const RESYNC_MB = 90;

/**
 * A follower that lost its disk (a new volume) rejoins: RESYNC_MB of znodes are written, then more
 * than the leader's in-memory log holds (500 proposals), so it must send a snapshot; the follower's
 * data is wiped and it restarts. Milliseconds from its start until it serves, and how it synced.
 */
async function resyncFromNothing(zk: LocalEnsemble): Promise<{ ms: number; how: string }> {
  const c = await ZkClient.open(zk.connect(), { requestMs: 30000 });
  try {
    await c.createNode("/big", null, OPEN_ACL);
    const chunk = Buffer.alloc(900 * 1024, 7);
    const count = Math.ceil((RESYNC_MB * 1024) / 900);
    for (let i = 0; i < count; i += 10) {
      await Promise.all(Array.from({ length: Math.min(10, count - i) }, (_, k) => c.createNode(`/big/n${i + k}`, chunk, OPEN_ACL)));
    }
    for (let i = 0; i < 600; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => c.createNode(`/big/s${i + k}`, Buffer.from("x"), OPEN_ACL)));
    }
  } finally {
    c.close();
  }
  const leader = await leaderOf(zk);
  const follower = SERVERS.find((i) => i !== leader)!;
  await zk.stop([follower]);
  fs.rmSync(zk.servers[follower].dataDir, { recursive: true, force: true });
  const leaderLog = zk.servers[leader].log;
  const logBefore = fs.statSync(leaderLog).size;
  const t = performance.now();
  zk.start([follower]);
  await zk.waitReady([follower], 120000);
  const ms = performance.now() - t;
  const fresh = fs.readFileSync(leaderLog, "utf8").slice(logBefore);
  // LearnerHandler (apache/zookeeper release-3.8.0): "Sending snapshot last zxid of peer is ...", "Sending DIFF ...".
  const how = { snapshot: "SNAP", DIFF: "DIFF", TRUNC: "TRUNC" }[/Sending (snapshot|DIFF|TRUNC)/.exec(fresh)?.[1] ?? ""] ?? "?";
  return { ms, how };
}

/** The longest GC pause (ms) in the servers' -Xlog:gc files. */
function longestGcPause(dir: string): number {
  let longest = 0;
  for (const file of fs.readdirSync(dir).filter((f) => f.startsWith("gc"))) {
    for (const m of fs.readFileSync(path.join(dir, file), "utf8").matchAll(/Pause .*? ([0-9.]+)ms$/gm))
      longest = Math.max(longest, Number(m[1]));
  }
  return longest;
}

async function oneRun(timing: TimingPreset): Promise<Figures> {
  const f: Figures = {};
  const net = new TestNetwork(SERVERS.length);
  net.create();
  const gcDir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-gc-"));
  const zk = new LocalEnsemble({ replicas: 3, timing }, 0, { network: net });
  zk.addJvmFlags(`-Xlog:gc:file=${gcDir}/gc-%p.log`);
  try {
    let t = performance.now();
    zk.start();
    f["formation: start to first write (ms)"] = await untilWrite(zk, SERVERS, "/bench", t);
    f["start to all Ready, kubelet timing (ms)"] = await untilReadyAsKubelet(zk, t, timing === "fast" ? RENDERED_PROBES : TUTORIAL_PROBES);

    let leader = await leaderOf(zk);
    t = performance.now();
    await zk.stop([leader], "SIGKILL");
    f["leader killed: to first write (ms)"] = await untilWrite(
      zk,
      SERVERS.filter((i) => i !== leader),
      "/after-kill",
      t,
    );
    zk.start([leader]);
    await zk.waitReady();

    leader = await leaderOf(zk);
    const anyServer = await ContinuousWriter.start({
      connectionString: zk.connect(),
      root: "/client-view",
      ratePerSecond: 50,
      writeTimeoutMs: 1000,
      connectTimeoutMs: 1500,
      sessionTimeoutMs: 4000,
    });
    await sleep(500);
    t = performance.now();
    net.cut([leader], { fromClients: true });
    f["leader cut off silently: to first write via majority (ms)"] = await untilWrite(
      zk,
      SERVERS.filter((i) => i !== leader),
      "/after-cut",
      t,
    );
    await sleep(3000);
    f["  same, client with all addresses: longest gap (ms)"] = (await anyServer.stop()).longestGapMs;
    net.heal();
    await zk.waitFor("the old leader to rejoin", async () => (await zk.mode(leader)) === "follower", 120000);
    await zk.waitReady();

    leader = await leaderOf(zk);
    t = performance.now();
    zk.servers[leader].process!.kill("SIGSTOP");
    f["leader frozen (SIGSTOP): to first write via majority (ms)"] = await untilWrite(
      zk,
      SERVERS.filter((i) => i !== leader),
      "/after-freeze",
      t,
    );
    zk.servers[leader].process!.kill("SIGCONT");
    await zk.waitFor("the frozen leader to rejoin", async () => (await zk.mode(leader)) === "follower", 120000);
    await zk.waitReady();

    // As the StatefulSet controller rolls: highest ordinal first, the next once this one is Ready.
    const roll = await ContinuousWriter.start({
      connectionString: zk.connect(),
      root: "/roll",
      ratePerSecond: 50,
      writeTimeoutMs: 1000,
      connectTimeoutMs: 1500,
      sessionTimeoutMs: 4000,
    });
    for (const i of [...SERVERS].reverse()) {
      await zk.stop([i]);
      zk.start([i]);
      await zk.waitReady([i], 120000);
    }
    f["rolling restart: longest write gap (ms)"] = (await roll.stop()).longestGapMs;

    f["write ops/s (8 clients)"] = await throughput(zk, "write");
    f["read ops/s (8 clients)"] = await throughput(zk, "read");
    const resync = await resyncFromNothing(zk);
    if (resync.how !== "SNAP") process.stderr.write(`note: the wiped follower synced by ${resync.how}, not a snapshot\n`);
    f[`wiped follower resyncs ${RESYNC_MB} MB: start to Ready (ms)`] = resync.ms;
    f["longest GC pause under load (ms)"] = longestGcPause(gcDir);
    return f;
  } finally {
    await zk.destroy();
    net.destroy();
    fs.rmSync(gcDir, { recursive: true, force: true });
  }
}

function summary(values: number[]): string {
  const s = [...values].sort((a, b) => a - b);
  const fmt = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  return `${fmt(s[0])} / ${fmt(s[Math.floor(s.length / 2)])} / ${fmt(s[s.length - 1])}`;
}

/** Resize sequences, each from a new ensemble of its first size. */
const RESIZE_SEQUENCES = [
  [3, 5, 3, 4, 3],
  [1, 3, 1],
];

/** Per step: the update's time (remove phase, servers Ready, add phase) per server added or removed, and the writer's longest gap. */
async function resizeFigures(): Promise<Record<string, number[]>> {
  const figures: Record<string, number[]> = {};
  const add = (key: string, v: number) => (figures[key] ??= []).push(v);
  for (let run = 0; run < RUNS; run++) {
    process.stderr.write(`resize run ${run + 1}/${RUNS}...\n`);
    for (const sizes of RESIZE_SEQUENCES) {
      const e = new ResizeEnsemble(5, 195);
      try {
        await e.deploy(sizes[0]);
        for (const [k, to] of sizes.slice(1).entries()) {
          const from = sizes[k];
          const writer = await ContinuousWriter.start(resizeWriterOptions(e.zk.connect(), `/bench-${from}-${to}`, 50));
          const t = await e.resize(to);
          const report = await writer.stop();
          const changed = Math.abs(to - from);
          add(`${from} -> ${to}: update, ms per server ${to > from ? "added" : "removed"}`, (t.removeMs + t.serversMs + t.addMs) / changed);
          add(`${from} -> ${to}: reconfig phase, ms`, t.removeMs + t.addMs);
          add(`${from} -> ${to}: longest write gap, ms`, report.longestGapMs);
        }
      } finally {
        await e.zk.destroy();
      }
    }
  }
  return figures;
}

/** A stretch this long without an acknowledged write counts as time without writes (the quick writer acknowledges every 50 ms). */
const NO_WRITES_AFTER_MS = 500;

/** Samples a writer's acknowledgements every 25 ms: the sum of the stretches without one longer than NO_WRITES_AFTER_MS. */
function noWritesMeter(writer: ContinuousWriter): { stop: () => number } {
  let last = writer.acknowledged;
  let since = performance.now();
  let total = 0;
  const close = (now: number) => {
    if (now - since > NO_WRITES_AFTER_MS) total += now - since;
  };
  const timer = setInterval(() => {
    const now = performance.now();
    if (writer.acknowledged !== last) {
      close(now);
      last = writer.acknowledged;
      since = now;
    }
  }, 25);
  return {
    stop: () => {
      clearInterval(timer);
      close(performance.now());
      return total;
    },
  };
}

/** The StatefulSet's RollingUpdate on the emulated pods: highest ordinal first, each next once the replaced pod is Ready. */
async function rollByOrdinal(e: RollEnsemble): Promise<void> {
  for (let i = e.replicas - 1; i >= 0; i--) {
    await e.cluster.deletePod(i);
    await e.zk.waitFor(
      `zk-${i} recreated and Ready`,
      async () => {
        const pod = (await e.cluster.pods()).pods[i];
        return pod.phase === "running" && pod.updated && pod.ready;
      },
      120000,
    );
  }
}

/** One roll of a new template in the given order, the leader first made the highest ordinal: elections and seconds without writes. */
async function rollOnce(
  e: RollEnsemble,
  order: "leader-last" | "ordinal",
  tag: string,
): Promise<{ elections: number; noWritesS: number; totalS: number }> {
  await e.makeLeader(e.replicas - 1, () => writeThrough(e, e.replicas - 1, `/lead-${tag}`));
  const before = (await e.srvr((await e.leader())!)).epoch!;
  const writer = await ContinuousWriter.start(quickWriterOptions(e.zk.connect(), `/roll-${tag}`));
  await e.zk.waitFor("the writer to write", async () => writer.acknowledged > 10, 60000);
  const meter = noWritesMeter(writer);
  const t = performance.now();
  e.changeTemplate();
  try {
    if (order === "leader-last") await rollServers(e.run());
    else await rollByOrdinal(e);
  } finally {
    await e.settle();
  }
  const totalS = (performance.now() - t) / 1000;
  // Until the writer writes again through the last restarted server's quorum.
  const acked = writer.acknowledged;
  await e.zk.waitFor("writes after the roll", async () => writer.acknowledged > acked + 10, 60000);
  const noWritesS = meter.stop() / 1000;
  await writer.stop();
  let leader: number | undefined;
  await e.zk.waitFor("one leader", async () => (leader = await e.leader()) !== undefined, 60000);
  return { elections: (await e.srvr(leader!)).epoch! - before, noWritesS, totalS };
}

/** Per size and order: elections per roll, seconds without writes, the roll's duration. */
async function rollFigures(): Promise<Record<string, number[]>> {
  const figures: Record<string, number[]> = {};
  const add = (key: string, v: number) => (figures[key] ??= []).push(v);
  for (const [replicas, base] of [
    [3, 205],
    [5, 212],
  ] as const) {
    const e = new RollEnsemble(replicas, base);
    try {
      await e.deploy();
      // Interleaved, so that a busier moment of the machine weighs on both orders alike.
      for (let run = 0; run < RUNS; run++) {
        for (const order of ["leader-last", "ordinal"] as const) {
          process.stderr.write(`roll: ${replicas} servers, ${order}, run ${run + 1}/${RUNS}...\n`);
          const f = await rollOnce(e, order, `${order}-${run}`);
          add(`${replicas} servers, ${order}: elections per roll`, f.elections);
          add(`${replicas} servers, ${order}: seconds without writes`, f.noWritesS);
          add(`${replicas} servers, ${order}: roll duration, s`, f.totalS);
        }
      }
    } finally {
      await e.zk.destroy();
    }
  }
  return figures;
}

async function printRoll() {
  const figures = await rollFigures();
  console.log(
    `\nRolling restarts (loopback, ZooKeeper ${zookeeperVersion()}, timing fast), the leader at the highest ordinal; ` +
      `without writes: stretches over ${NO_WRITES_AFTER_MS} ms without an acknowledged write of a 20/s writer; min / median / max of ${RUNS} runs`,
  );
  for (const [metric, values] of Object.entries(figures)) console.log(`${metric.padEnd(58)}${summary(values)}`);
}

async function main() {
  if (process.argv.includes("--resize")) return printResize();
  if (process.argv.includes("--roll")) return printRoll();
  if (!canBuildNetwork()) process.exit(2);
  const profiles: TimingPreset[] = ["fast", "tutorial"];
  const results: Record<string, Figures[]> = { fast: [], tutorial: [] };
  // Interleaved, so that a busier moment of the machine weighs on both alike.
  for (let run = 0; run < RUNS; run++) {
    for (const timing of profiles) {
      process.stderr.write(`run ${run + 1}/${RUNS}, timing ${timing}...\n`);
      results[timing].push(await oneRun(timing));
    }
  }
  console.log(
    `3 servers (ZooKeeper ${zookeeperVersion()}, heap 512m), each in its own network namespace; min / median / max of ${RUNS} runs`,
  );
  console.log(`${"".padEnd(58)}${"defaults (fast: 1000 x 2)".padEnd(28)}tutorial (2000 x 5, its probes)`);
  for (const metric of Object.keys(results.fast[0])) {
    const row = profiles.map((p) => summary(results[p].map((r) => r[metric])).padEnd(28)).join("");
    console.log(`${metric.padEnd(58)}${row}`);
  }
  await printResize();
  await printRoll();
}

async function printResize() {
  const figures = await resizeFigures();
  console.log(`\nResizing with membership dynamic (loopback, ZooKeeper ${zookeeperVersion()}); min / median / max of ${RUNS} runs`);
  for (const [metric, values] of Object.entries(figures)) console.log(`${metric.padEnd(58)}${summary(values)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
