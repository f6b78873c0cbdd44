// Quorum-aware rolling restarts on real ZooKeeper (the fetched release, 3.9.5 by default): the
// orchestrator's own code (zk/roll.ts) rolls servers that run the rendered zoo.cfg and start script,
// with the StatefulSet's part (OnDelete: a deleted pod comes back with the new template) emulated by
// harness/roll-ensemble.ts. Under a continuous writer, each roll restarts the followers first and the
// leader last, costs exactly one election (the leader's epoch grows by one, and one leader change is
// seen), and every acknowledged write is read back through every server. The orchestrator stopped
// halfway and run again finishes the roll with no election beyond the leader's own.
import { expect } from "chai";
import { RollEnsemble, writeThrough } from "../../harness/roll-ensemble";
import { rollUnderWriter, expectOneElection, reportRoll, useRollEnsemble } from "../../harness/roll-under-writer";
import { rollServers, RollError } from "../../zk/roll";
import { readRollRun } from "../../jobs/roll";

const WAIT = 60000;

/**
 * `throughJob`: the roll runs as the roll Job runs it, from its environment (jobs/roll.ts) through its
 * own Kubernetes client (zk/roll-kube.ts) against a stand-in API server over the emulated StatefulSet.
 */
function rollSuite(
  replicas: number,
  addressBase: number,
  leaders: { what: string; ordinal: number }[],
  {
    withKill = false,
    throughJob = false,
    membership = "static",
  }: { withKill?: boolean; throughJob?: boolean; membership?: "static" | "dynamic" } = {},
): void {
  describe(`rolling restarts of ${replicas} servers${membership === "dynamic" ? " with dynamic membership" : ""}, followers first and the leader last (real servers, the orchestrator's code${throughJob ? " from the Job's environment, through its API client" : ""})`, function () {
    this.timeout(900000);
    let e: RollEnsemble;

    useRollEnsemble(async () => {
      e = new RollEnsemble(replicas, addressBase, { membership });
      await e.deploy(WAIT);
      return e;
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
        reportRoll(`leader zk-${leader.ordinal}`, f);
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
        reportRoll("stopped and run again", f);
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

// Dynamic membership (the prod stack): a restarted server starts from its live configuration, not the seed.
rollSuite(3, 50, [{ what: "highest", ordinal: 2 }], { membership: "dynamic" });
