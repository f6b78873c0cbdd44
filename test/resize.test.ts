// Resizing with dynamic membership on Debian's ZooKeeper 3.8.0, the way `pulumi up` does it: the
// servers run the rendered zoo.cfg and start script, the seed is what the guard makes, the remove and
// add phases are the membership Jobs' code (ops/lib/membership.ts), and the StatefulSet's change is
// emulated between them (test/support/resize-ensemble.ts). Under one continuous writer the ensemble
// goes 1 -> 3 -> 5 -> 3 -> 4 -> 3 -> 1; after each step every running server holds the same
// membership, and at the end every acknowledged write is read back. Reconfig behaves the same at
// apache/zookeeper release-3.9.4 for everything used here (zookeeperReconfig.md, QuorumPeer).
import { expect } from "chai";
import { ResizeEnsemble, range } from "./support/resize-ensemble";
import { ContinuousWriter } from "../ops/lib/writer";

const ADDRESS_BASE = 195;
const WAIT = 60000;

describe("resizing with dynamic membership (real servers, the rendered start script, the membership job's code)", function () {
  this.timeout(600000);
  let e: ResizeEnsemble;
  let writer: ContinuousWriter | undefined;

  before(() => {
    e = new ResizeEnsemble(5, ADDRESS_BASE);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(e.lines.join("\n") + "\n" + e.zk.logTails(25));
  });
  after(async () => {
    await writer?.stop();
    await e?.zk.destroy();
  });

  /** After a step: every server of the membership runs it, and no other server runs. */
  async function expectMembers(size: number): Promise<void> {
    const expected = e.targetLines(size);
    const views = await e.memberships(range(size));
    for (const [i, view] of views.entries()) {
      const lines = view.split("\n").filter((l) => l.startsWith("server."));
      expect(lines, `server ${i + 1}'s membership`).to.deep.equal(expected);
      expect(view, `server ${i + 1} agrees with server 1`).to.equal(views[0]);
    }
  }

  it("a new ensemble of one server starts from the seed as a one-member quorum, and a writer writes", async () => {
    await e.deploy(1);
    expect(await e.zk.mode(0)).to.equal("leader");
    await expectMembers(1);
    writer = await ContinuousWriter.start({
      connectionString: e.zk.connect(),
      root: "/resize",
      ratePerSecond: 25,
      writeTimeoutMs: 2000,
      connectTimeoutMs: 3000,
      sessionTimeoutMs: 4000,
    });
    await e.zk.waitFor("the writer to write", async () => writer!.acknowledged > 5, WAIT);
  });

  for (const [from, to] of [
    [1, 3],
    [3, 5],
    [5, 3],
    [3, 4],
    [4, 3],
    [3, 1],
  ]) {
    it(`${from} -> ${to} in one update`, async () => {
      const before = writer!.acknowledged;
      const step = await e.resize(to);
      if (to > from) {
        expect(step.remove.removed).to.deep.equal([]);
        expect(step.add.added).to.deep.equal(
          range(to)
            .slice(from)
            .map((i) => i + 1),
        );
      } else {
        expect(step.remove.removed).to.deep.equal(
          range(from)
            .slice(to)
            .map((i) => i + 1),
        );
        expect(step.add.added).to.deep.equal([]);
      }
      await expectMembers(to);
      await e.zk.waitFor("writes after the step", async () => writer!.acknowledged > before + 10, WAIT);
      console.log(`      ${from} -> ${to}: remove ${step.removeMs} ms, servers ${step.serversMs} ms, add ${step.addMs} ms`);
    });
  }

  it("no acknowledged write was lost, on any server left", async () => {
    const w = writer!;
    writer = undefined;
    const report = await w.stop();
    const back = await w.readBack(e.zk.connect([0]));
    expect(back.lost, "acknowledged writes missing").to.deep.equal([]);
    console.log(
      `      writer: ${report.acknowledged} acknowledged, none lost; outcome unknown ${report.unknown.connectionLosses + report.unknown.timeouts}, ` +
        `sessions ${report.sessions}, longest gap ${report.longestGapMs} ms`,
    );
  });
});
