// The rolling restart's plan (zk/roll.ts planRoll) as a table of ensembles' states, and its loop
// (rollServers) against a stand-in cluster and stand-in servers that move the way a StatefulSet with
// OnDelete and ZooKeeper do: a deleted pod is gone, then back not Ready, then Ready and synced; a
// deleted leader makes the others elect the highest id. The real servers' roll: test/servers/roll.test.ts.
import { expect } from "chai";
import { planRoll, rollServers, RollError, RollView, ServerView, PodState, RollRun } from "../../zk/roll";
import type { FourLetterResult } from "../../zk/verify/four-letter";

type Mode = "leader" | "follower" | "down";

/** A view of `modes.length` servers, all Ready and running; `updated` lists the ordinals at the new template. */
function view(modes: Mode[], updated: number[], leaderSynced?: number, pods: Partial<Record<number, Partial<PodState>>> = {}): RollView {
  const servers: ServerView[] = modes.map((mode, ordinal) => ({
    ordinal,
    pod: { ordinal, phase: "running", ready: mode !== "down", updated: updated.includes(ordinal), ...pods[ordinal] },
    srvr:
      mode === "down"
        ? { serving: false, why: "This ZooKeeper instance is not currently serving requests" }
        : { serving: true, mode, zxid: 0x100000005n, epoch: 1 },
  }));
  const followers = modes.filter((m) => m === "follower").length;
  return { replicas: modes.length, settled: true, servers, leaderSynced: leaderSynced ?? followers };
}

describe("the rolling restart's plan (planRoll)", () => {
  const cases: { what: string; view: RollView; step: Record<string, unknown>; why?: RegExp }[] = [
    {
      what: "the leader at the highest ordinal: the highest outdated follower first",
      view: view(["follower", "follower", "leader"], []),
      step: { kind: "restart", ordinal: 1, leader: false },
      why: /1 more before the leader zk-2 last/,
    },
    {
      what: "the leader at the lowest ordinal: zk-2 first, as the controller would, since it follows",
      view: view(["leader", "follower", "follower"], []),
      step: { kind: "restart", ordinal: 2, leader: false },
    },
    {
      what: "followers done: the leader last",
      view: view(["follower", "leader", "follower"], [0, 2]),
      step: { kind: "restart", ordinal: 1, leader: true },
      why: /the leader, last/,
    },
    {
      what: "the leader already updated (an earlier roll moved it): only followers restart",
      view: view(["follower", "leader", "follower"], [1, 2]),
      step: { kind: "restart", ordinal: 0, leader: false },
    },
    {
      what: "every server updated: done",
      view: view(["follower", "follower", "leader"], [0, 1, 2]),
      step: { kind: "done" },
      why: /zk-2 leads, 2 followers synced/,
    },
    {
      what: "a restarted server not back yet: wait for it, restart nothing",
      view: view(["follower", "follower", "leader"], [1], undefined, { 1: { phase: "absent", ready: false } }),
      step: { kind: "wait", ordinal: 1 },
      why: /zk-1 has no pod yet/,
    },
    {
      what: "a pod terminating",
      view: view(["follower", "follower", "leader"], [], undefined, { 0: { phase: "terminating" } }),
      step: { kind: "wait", ordinal: 0 },
      why: /zk-0 is terminating/,
    },
    {
      what: "a pod not Ready",
      view: view(["follower", "down", "leader"], [1]),
      step: { kind: "wait", ordinal: 1 },
      why: /zk-1 is not Ready/,
    },
    {
      what: "Ready but not serving (the probe passed before an election began)",
      view: view(["follower", "down", "leader"], [1], undefined, { 1: { ready: true } }),
      step: { kind: "wait", ordinal: 1 },
      why: /zk-1 does not serve \('This ZooKeeper instance is not currently serving requests'\)/,
    },
    {
      what: "a follower serving, but the leader does not count it synced yet",
      view: view(["follower", "follower", "leader"], [1], 1),
      step: { kind: "wait", ordinal: 2 },
      why: /the leader zk-2 counts 1 of 2 followers synced/,
    },
    {
      what: "the leader's mntr without zk_synced_followers",
      view: { ...view(["follower", "follower", "leader"], [1]), leaderSynced: undefined },
      step: { kind: "wait", ordinal: 2 },
      why: /did not say how many followers are synced/,
    },
    {
      what: "no leader (an election)",
      view: view(["follower", "follower", "follower"], [1]),
      step: { kind: "wait" },
      why: /no server leads/,
    },
    {
      what: "the controller has not observed the new template",
      view: { ...view(["follower", "follower", "leader"], []), settled: false },
      step: { kind: "wait" },
      why: /has not yet observed the new template/,
    },
    {
      what: "a single server: restarted (an unavoidable outage)",
      view: {
        ...view(["leader"], []),
        servers: [{ ...view(["leader"], []).servers[0], srvr: { serving: true, mode: "standalone", zxid: 1n, epoch: 0 } }],
      },
      step: { kind: "restart", ordinal: 0, leader: true },
      why: /the only server/,
    },
    {
      what: "five servers, the leader in the middle: followers from the highest down, skipping the leader",
      view: view(["follower", "follower", "leader", "follower", "follower"], [4, 3]),
      step: { kind: "restart", ordinal: 1, leader: false },
      why: /1 more before the leader zk-2 last/,
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const step = planRoll(c.view);
      expect(step).to.include(c.step);
      if (c.why) expect(step.why).to.match(c.why);
    });
  }

  it("never restarts while any server of five is not serving, whichever it is", () => {
    for (let down = 0; down < 5; down++) {
      const modes: Mode[] = ["follower", "follower", "follower", "follower", "leader"];
      modes[down] = "down";
      const step = planRoll(view(modes, []));
      expect(step.kind, `zk-${down} down`).to.equal("wait");
      expect(step).to.include({ ordinal: down });
    }
  });
});

/**
 * A stand-in StatefulSet (OnDelete) and ensemble: a deleted pod is absent for one look, then back at
 * the new template but not Ready for `comeback` looks, then a synced follower. A deleted leader makes
 * the others elect the highest ordinal among them. `stuck` never comes back.
 */
class StandIn {
  elections = 0;
  looks = 0;
  leader: number;
  readonly pods: (PodState & { backIn: number })[];
  constructor(
    replicas: number,
    leader: number,
    private readonly comeback = 2,
    private readonly stuck?: number,
  ) {
    this.leader = leader;
    this.pods = Array.from({ length: replicas }, (_, ordinal) => ({ ordinal, phase: "running", ready: true, updated: false, backIn: 0 }));
  }
  private tick(): void {
    this.looks++;
    for (const p of this.pods) {
      if (p.backIn > 0 && --p.backIn === 0 && p.ordinal !== this.stuck) p.ready = true;
      if (p.phase === "absent") p.phase = "running";
    }
    if (this.leader < 0 && this.pods.filter((p) => p.ready).length * 2 > this.pods.length) {
      this.leader = Math.max(...this.pods.filter((p) => p.ready).map((p) => p.ordinal));
      this.elections++;
    }
  }
  run(overrides: Partial<RollRun> = {}): RollRun {
    return {
      replicas: this.pods.length,
      clientPort: 2181,
      hostOf: (i) => `zk-${i}`,
      pollMs: 1,
      waitMs: 200,
      log: () => {},
      cluster: {
        pods: async () => {
          this.tick();
          return { settled: true, pods: this.pods.map(({ backIn, ...p }) => ({ ...p })) };
        },
        deletePod: async (i) => {
          const p = this.pods[i];
          if (!p.ready) throw new Error(`zk-${i} deleted while not Ready`);
          if (this.pods.some((q) => q !== p && !q.ready)) throw new Error(`zk-${i} deleted while another server is down`);
          Object.assign(p, { phase: "absent", ready: false, updated: true, backIn: this.comeback + 1 });
          if (i === this.leader) this.leader = -1;
        },
      },
      ask: async (host, _port, word): Promise<FourLetterResult> => {
        const p = this.pods[Number(host.slice(3))];
        if (!p.ready || this.leader < 0) return { text: "This ZooKeeper instance is not currently serving requests\n" };
        const mode = p.ordinal === this.leader ? "leader" : "follower";
        if (word === "srvr") return { text: `Zxid: 0x100000001\nMode: ${mode}\n` };
        return { text: `zk_synced_followers\t${this.pods.filter((q) => q.ready).length - 1}\n` };
      },
      ...overrides,
    };
  }
}

describe("the rolling restart's loop (rollServers) against a stand-in StatefulSet and ensemble", () => {
  for (const [replicas, leader] of [
    [3, 2],
    [3, 0],
    [3, 1],
    [5, 2],
    [5, 0],
  ]) {
    it(`${replicas} servers, the leader zk-${leader}: followers first, the leader last, one election`, async () => {
      const s = new StandIn(replicas, leader);
      const outcome = await rollServers(s.run());
      expect(outcome.restarted).to.have.length(replicas);
      expect(outcome.restarted.at(-1)).to.equal(leader);
      expect(outcome.leaderRestarted).to.equal(leader);
      expect(s.elections).to.equal(1);
      expect(s.pods.every((p) => p.updated && p.ready)).to.equal(true);
    });
  }

  it("nothing outdated: restarts nothing", async () => {
    const s = new StandIn(3, 2);
    for (const p of s.pods) p.updated = true;
    expect((await rollServers(s.run())).restarted).to.deep.equal([]);
    expect(s.elections).to.equal(0);
  });

  it("stopped halfway and run again: goes on where it stopped, still one election", async () => {
    const s = new StandIn(3, 2, 5);
    const stop = new AbortController();
    const first = rollServers(s.run({ signal: stop.signal, log: (line) => (/restarting zk-1/.test(line) ? stop.abort() : undefined) }));
    await first.then(
      () => expect.fail("the first run should have been stopped"),
      (e) => expect(e).to.be.instanceOf(RollError),
    );
    expect(s.pods.filter((p) => p.updated).map((p) => p.ordinal)).to.deep.equal([1]);
    const lines: string[] = [];
    const second = await rollServers(s.run({ log: (l) => lines.push(l) }));
    expect(lines[0]).to.match(/waiting: zk-1 (has no pod yet|is not Ready)/);
    expect(second.restarted).to.deep.equal([0, 2]);
    expect(s.elections).to.equal(1);
  });

  it("a restarted server that never comes back: fails past the bound naming it, and restarts nothing else", async () => {
    const s = new StandIn(3, 2, 2, 1);
    let error: unknown;
    await rollServers(s.run({ waitMs: 50 })).catch((e) => (error = e));
    expect(error).to.be.instanceOf(RollError);
    expect((error as Error).message).to.match(
      /^waited 0 s and zk-1 is not Ready: no other server was restarted \(restarted so far: zk-1\)/,
    );
    expect((error as Error).message).to.match(/run pulumi up again to resume/);
    expect(s.pods.filter((p) => p.updated).map((p) => p.ordinal)).to.deep.equal([1]);
    expect(s.elections).to.equal(0);
  });
});
