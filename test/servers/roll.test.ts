// Quorum-aware rolling restarts on real ZooKeeper (the fetched release, 3.9.5 by default): the
// orchestrator's own code (zk/roll.ts) rolls servers that run the rendered zoo.cfg and start script,
// with the StatefulSet's part (OnDelete: a deleted pod comes back with the new template) emulated by
// harness/roll-ensemble.ts. Under a continuous writer, each roll restarts the followers first and the
// leader last, costs exactly one election (the leader's epoch grows by one, and one leader change is
// seen), and every acknowledged write is read back through every server. The orchestrator stopped
// halfway and run again finishes the roll with no election beyond the leader's own.
import { expect } from "chai";
import { RollEnsemble, writeThrough } from "../../harness/roll-ensemble";
import { quickWriterOptions } from "../../harness/quick-writer";
import { ContinuousWriter, describeWrites, ReadBack } from "../../zk/writer";
import { rollServers, RollOutcome, RollError, RollRun } from "../../zk/roll";
import { readRollRun } from "../../jobs/roll";

const WAIT = 60000;

/** Watches who leads, every 100 ms, until stopped: the leader changes it saw. */
function watchLeaders(e: RollEnsemble): { stop: () => Promise<number[]> } {
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

interface RollFigures {
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
async function rollUnderWriter(e: RollEnsemble, root: string, roll: (run: RollRun) => Promise<RollOutcome>): Promise<RollFigures> {
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

function expectOneElection(f: RollFigures, replicas: number): void {
  expect(f.outcome.restarted, "each server restarted once").to.have.members(Array.from({ length: replicas }, (_, i) => i));
  expect(f.outcome.restarted.at(-1), "the leader last").to.equal(f.leaderBefore);
  expect(f.outcome.leaderRestarted).to.equal(f.leaderBefore);
  expect(f.elections, "elections (the leader's epoch grew by)").to.equal(1);
  expect(f.leaderChanges.length, `leaders seen in turn: ${f.leaderChanges.map((l) => `zk-${l}`).join(" -> ")}`).to.equal(2);
  expect(f.leaderChanges[0]).to.equal(f.leaderBefore);
}

function report(what: string, f: RollFigures): void {
  console.log(
    `      (${what}: restarted ${f.outcome.restarted.map((i) => `zk-${i}`).join(", ")}; elections ${f.elections}; ` +
      `leaders ${f.leaderChanges.map((l) => `zk-${l}`).join(" -> ")}; longest write gap ${(f.gapMs / 1000).toFixed(2)} s)\n      (${f.summary})`,
  );
}

/**
 * `throughJob`: the roll runs as the roll Job runs it, from its environment (jobs/roll.ts) through its
 * own Kubernetes client (zk/roll-kube.ts) against a stand-in API server over the emulated StatefulSet.
 */
function rollSuite(
  replicas: number,
  addressBase: number,
  leaders: { what: string; ordinal: number }[],
  { withKill = false, throughJob = false }: { withKill?: boolean; throughJob?: boolean } = {},
): void {
  describe(`rolling restarts of ${replicas} servers, followers first and the leader last (real servers, the orchestrator's code${throughJob ? " from the Job's environment, through its API client" : ""})`, function () {
    this.timeout(900000);
    let e: RollEnsemble;

    before(async () => {
      e = new RollEnsemble(replicas, addressBase);
      await e.deploy(WAIT);
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed") console.error(e.lines.join("\n") + "\n" + e.zk.logTails(25));
      e.lines.length = 0;
    });
    after(async () => {
      await e?.settle();
      await e?.zk.destroy();
    });

    for (const [k, leader] of leaders.entries()) {
      it(`the leader at the ${leader.what} id (zk-${leader.ordinal}): one election, no acknowledged write lost`, async () => {
        await e.makeLeader(leader.ordinal, () => writeThrough(e, leader.ordinal, `/make-leader-${k}`), WAIT);
        expect(await e.leader()).to.equal(leader.ordinal);
        const f = await rollUnderWriter(e, `/roll-${k}`, async (run) => {
          if (!throughJob) return rollServers(run);
          const api = await e.serveApi();
          try {
            return await rollServers({ ...readRollRun(api.env, () => ({ server: api.url })), pollMs: 250, log: run.log });
          } finally {
            await api.close();
          }
        });
        report(`leader zk-${leader.ordinal}`, f);
        expectOneElection(f, replicas);
      });
    }

    it("nothing changed since the last roll: the orchestrator restarts nothing", async () => {
      const lines: string[] = [];
      const outcome = await rollServers(e.run({ log: (l) => lines.push(l) }));
      expect(outcome.restarted).to.deep.equal([]);
      expect(lines.at(-1)).to.match(/roll: done: every server runs the new template/);
    });

    if (withKill) {
      it("the orchestrator stopped while a restarted follower comes back, then run again: the roll finishes with one election", async () => {
        await e.makeLeader(replicas - 1, () => writeThrough(e, replicas - 1, "/make-leader-kill"), WAIT);
        let runs = 0;
        const f = await rollUnderWriter(e, "/roll-killed", async (run) => {
          const stop = new AbortController();
          const first = await rollServers({
            ...run,
            signal: stop.signal,
            log: (line) => {
              run.log(line);
              // Killed in the middle of the first wait for a restarted server.
              if (/waiting: zk-\d (has no pod|is terminating|is not Ready|does not serve)/.test(line)) stop.abort();
            },
          }).catch((err) => {
            expect(err).to.be.instanceOf(RollError);
            return undefined;
          });
          runs++;
          expect(first, "the first run was stopped").to.equal(undefined);
          expect(e.podRevision.filter((r) => r === e.revision).length, "one server restarted by the first run").to.equal(1);
          const restartedFirst = e.podRevision.findIndex((r) => r === e.revision);
          const second = await rollServers(run);
          runs++;
          return { ...second, restarted: [restartedFirst, ...second.restarted] };
        });
        report("stopped and run again", f);
        expect(runs).to.equal(2);
        expectOneElection(f, replicas);
        expect(e.lines.filter((l) => /roll: restarting/.test(l))).to.have.length(replicas);
      });
    }
  });
}

rollSuite(
  3,
  60,
  [
    { what: "highest", ordinal: 2 },
    { what: "lowest", ordinal: 0 },
    { what: "middle", ordinal: 1 },
  ],
  { withKill: true },
);
rollSuite(5, 65, [{ what: "middle", ordinal: 2 }], { throughJob: true });
