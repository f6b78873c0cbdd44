// A roll on real servers under a continuous writer, measured: the leaders seen, the elections (the
// leader's epoch), the longest gap in writes, every acknowledged write read back through every
// server (test/servers/roll.test.ts, test/servers/tls-jobs.test.ts).
import { expect } from "chai";
import { RollEnsemble } from "./roll-ensemble";
import { quickWriterOptions } from "./quick-writer";
import { ContinuousWriter, describeWrites, ReadBack } from "../zk/writer";
import { RollOutcome, RollRun } from "../zk/roll";

const WAIT = 60000;

/** Watches who leads, every 100 ms, until stopped: the leader changes it saw. */
export function watchLeaders(e: RollEnsemble): { stop: () => Promise<number[]> } {
  const seen: number[] = [];
  let stopping = false;
  const loop = (async () => {
    while (!stopping) {
      const leader = await e.leader();
      if (leader !== undefined && seen.at(-1) !== leader) seen.push(leader);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      return seen;
    },
  };
}

export interface RollFigures {
  outcome: RollOutcome;
  leaderBefore: number;
  leaderChanges: number[];
  elections: number;
  gapMs: number;
  summary: string;
}

/**
 * One `pulumi up` with a new pod template, the roll driven by `roll` (the orchestrator, once or
 * several times), under a writer; every acknowledged write read back through every server.
 */
export async function rollUnderWriter(e: RollEnsemble, root: string, roll: (run: RollRun) => Promise<RollOutcome>): Promise<RollFigures> {
  const leaderBefore = (await e.leader())!;
  const epochBefore = (await e.srvr(leaderBefore)).epoch!;
  const writer = await ContinuousWriter.start(quickWriterOptions(e.zk.connect(), root));
  await e.zk.waitFor("the writer to write", async () => writer.acknowledged > 10, WAIT);
  const watcher = watchLeaders(e);
  e.changeTemplate();
  let outcome: RollOutcome;
  try {
    outcome = await roll(e.run());
  } finally {
    await e.settle();
  }
  // The writer writes on after the roll, so the last server restarted takes writes too.
  const acked = writer.acknowledged;
  await e.zk.waitFor("the writer to write after the roll", async () => writer.acknowledged > acked + 10, WAIT);
  const report = await writer.stop();
  const leaderChanges = await watcher.stop();
  const leaderAfter = (await e.leader())!;
  const epochAfter = (await e.srvr(leaderAfter)).epoch!;
  const readBacks: ReadBack[] = [];
  for (let i = 0; i < e.replicas; i++) readBacks.push(await writer.readBack(e.zk.connect([i])));
  const summary = describeWrites(report, readBacks);
  for (const r of readBacks) expect(r.lost, `acknowledged writes missing through ${r.through}: ${summary}`).to.deep.equal([]);
  expect(e.podRevision, "every pod at the new template").to.deep.equal(Array(e.replicas).fill(e.revision));
  return { outcome, leaderBefore, leaderChanges, elections: epochAfter - epochBefore, gapMs: report.longestGapMs, summary };
}

export function expectOneElection(f: RollFigures, replicas: number): void {
  expect(f.outcome.restarted, "each server restarted once").to.have.members(Array.from({ length: replicas }, (_, i) => i));
  expect(f.outcome.restarted.at(-1), "the leader last").to.equal(f.leaderBefore);
  expect(f.outcome.leaderRestarted).to.equal(f.leaderBefore);
  expect(f.elections, "elections (the leader's epoch grew by)").to.equal(1);
  expect(f.leaderChanges.length, `leaders seen in turn: ${f.leaderChanges.map((l) => `zk-${l}`).join(" -> ")}`).to.equal(2);
  expect(f.leaderChanges[0]).to.equal(f.leaderBefore);
}

export function reportRoll(what: string, f: RollFigures): void {
  console.log(
    `      (${what}: restarted ${f.outcome.restarted.map((i) => `zk-${i}`).join(", ")}; elections ${f.elections}; ` +
      `leaders ${f.leaderChanges.map((l) => `zk-${l}`).join(" -> ")}; longest write gap ${(f.gapMs / 1000).toFixed(2)} s)\n      (${f.summary})`,
  );
}

/**
 * A suite's ensemble for rolls: made and deployed by `make` before its tests (which keeps it where
 * the tests read it), the orchestrator's lines and the servers' logs printed after a failed test, the
 * recreations waited for and every server stopped after them.
 */
export function useRollEnsemble(make: () => Promise<RollEnsemble>): void {
  let e: RollEnsemble | undefined;
  before(async () => {
    e = await make();
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && e) console.error(e.lines.join("\n") + "\n" + e.zk.logTails(25));
    if (e) e.lines.length = 0;
  });
  after(async () => {
    await e?.settle();
    await e?.zk.destroy();
  });
}
