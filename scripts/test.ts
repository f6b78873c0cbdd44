// npm test's suites in two lanes at once: the program's tiers (test/pure, test/program and the
// cluster tier test/cluster: the program under mocks and under its judges, busy on the CPU) in one
// mocha process, the real servers' tiers (test/servers, test/netns: mostly waiting on ZooKeeper
// servers, for elections, timeouts and probes) in another. Each lane runs its files
// one after the other, as `mocha` alone would; the lanes share nothing but machine-wide address
// locks (harness/machine-lock.ts). Every line is printed as it comes, prefixed with its lane; each
// lane's summary is repeated at the end. Exit status: 0 when both lanes pass, else the first
// failing lane's. Ctrl-C reaches both lanes' process groups, whose harness cleans up (harness/interrupt.ts).
// Usage: tsx scripts/test.ts [--lane program|servers]   (one lane alone)
import { spawn, ChildProcess } from "child_process";
import * as path from "path";
import * as readline from "readline";

const ROOT = path.join(__dirname, "..");
const MOCHA = path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js");

export const LANES: Record<string, string[]> = {
  program: ["test/pure/**/*.test.ts", "test/program/**/*.test.ts", "test/cluster/**/*.test.ts"],
  servers: ["test/servers/**/*.test.ts", "test/netns/**/*.test.ts"],
};

interface LaneResult {
  lane: string;
  code: number;
  seconds: number;
  summary: string[];
}

function runLane(lane: string, children: ChildProcess[]): Promise<LaneResult> {
  const started = Date.now();
  // --color: mocha sees a pipe, not the terminal; keep its colours when we have a terminal.
  const color = process.stdout.isTTY ? ["--color"] : [];
  const child = spawn(process.execPath, [MOCHA, ...color, ...LANES[lane]], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  const summary: string[] = [];
  const prefix = `[${lane}]`.padEnd(10);
  for (const stream of [child.stdout!, child.stderr!]) {
    const out = stream === child.stdout ? process.stdout : process.stderr;
    readline.createInterface({ input: stream }).on("line", (line) => {
      out.write(`${prefix}${line}\n`);
      // mocha's closing counts ("  12 passing (3m)", "  1 failing", "  2 pending").
      if (/^\s+\d+ (passing|failing|pending)\b/.test(line.replace(/\x1b\[[0-9;]*m/g, ""))) summary.push(line.trim());
    });
  }
  return new Promise((resolve) => {
    child.on("close", (code, signal) =>
      resolve({ lane, code: code ?? (signal ? 130 : 1), seconds: Math.round((Date.now() - started) / 1000), summary }),
    );
  });
}

async function main(): Promise<number> {
  const only = process.argv.indexOf("--lane");
  const lanes = only >= 0 ? [process.argv[only + 1]] : Object.keys(LANES);
  for (const lane of lanes) {
    if (!LANES[lane]) {
      console.error(`scripts/test.ts: no lane ${lane}; the lanes are ${Object.keys(LANES).join(", ")}`);
      return 2;
    }
  }
  const children: ChildProcess[] = [];
  const forward = (signal: NodeJS.Signals) => () => {
    for (const c of children) if (c.exitCode === null && c.pid) process.kill(-c.pid, signal);
  };
  process.on("SIGINT", forward("SIGINT"));
  process.on("SIGTERM", forward("SIGTERM"));
  const results = await Promise.all(lanes.map((lane) => runLane(lane, children)));
  console.log("");
  for (const r of results) console.log(`${r.lane}: ${r.summary.join(", ") || "no summary"} in ${r.seconds} s (exit ${r.code})`);
  return results.find((r) => r.code !== 0)?.code ?? 0;
}

if (require.main === module) main().then((code) => process.exit(code));
