// Resizing with dynamic membership on real ZooKeeper (the fetched release, 3.9.5 by default), the way `pulumi up` does it: the
// servers run the rendered zoo.cfg and start script, the seed is what the guard makes, the remove and
// add phases are the membership Jobs' code (zk/membership.ts), and the StatefulSet's change is
// emulated between them (harness/resize-ensemble.ts). Under one continuous writer the ensemble
// goes 1 -> 3 -> 5 -> 3 -> 4 -> 3 -> 1; after each step every running server holds the same
// membership, and at the end every acknowledged write is read back. Reconfig behaves the same at
// apache/zookeeper release-3.9.4 for everything used here (zookeeperReconfig.md, QuorumPeer).
import { expect } from "chai";
import { ResizeEnsemble, range, resizeWriterOptions } from "../../harness/resize-ensemble";
import { ContinuousWriter } from "../../zk/writer";
import { convergeMembership, MembershipError } from "../../zk/membership";
import { ADMIN_USER } from "../../components/zookeeper/users";
import { runBundledJobUntil } from "../../harness/bundled-job";
import * as fs from "fs";

/** Runs the bundled membership job with `env` and kills it (SIGKILL) as soon as its output matches `at`; bounded. */
const runJobUntil = (env: Record<string, string>, at: RegExp) => runBundledJobUntil("membership", env, at);

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
    writer = await ContinuousWriter.start(resizeWriterOptions(e.zk.connect(), "/resize"));
    await e.zk.waitFor("the writer to write", async () => writer!.acknowledged > 5, WAIT);
  });

  function step(from: number, to: number): void {
    it(`${from} -> ${to} in one update`, async () => {
      const before = writer!.acknowledged;
      const times = await e.resize(to);
      if (to > from) {
        expect(times.remove.removed).to.deep.equal([]);
        expect(times.add.added).to.deep.equal(
          range(to)
            .slice(from)
            .map((i) => i + 1),
        );
      } else {
        expect(times.remove.removed).to.deep.equal(
          range(from)
            .slice(to)
            .map((i) => i + 1),
        );
        expect(times.add.added).to.deep.equal([]);
      }
      await expectMembers(to);
      await e.zk.waitFor("writes after the step", async () => writer!.acknowledged > before + 10, WAIT);
      console.log(
        `      ${from} -> ${to}: remove phase ${times.removeMs} ms, servers Ready ${times.serversMs} ms, add phase ${times.addMs} ms`,
      );
    });
  }

  step(1, 3);
  step(3, 5);
  step(5, 3);

  it("a joiner that crashed before its first sync asks the members again at its next start, not its own stale join file", async () => {
    const joiner = 3;
    const log = () => fs.readFileSync(e.zk.servers[joiner].log, "utf8");
    // The StatefulSet grew to 4: server 4 writes its join file, then its JVM dies before it syncs.
    e.zk.setServerEnv(joiner, { SERVER_JVMFLAGS: "-XX:+KzNoSuchOption" });
    e.zk.start([joiner]);
    await e.zk.waitFor("the joiner's JVM to die", async () => !e.zk.isRunning(joiner), WAIT);
    expect(e.liveFiles(joiner)).to.include("zoo.cfg.dynamic");
    expect(e.liveFile(joiner, "zoo.cfg.dynamic")).to.contain("server.3=").and.contain("server.4=");
    // The membership moves on without it: server 3 leaves (its volume deleted).
    e.zk.writeSeed(2);
    e.size = 2;
    await convergeMembership(e.run("remove", 2));
    await e.zk.stop([2]);
    e.wipe(2);
    await expectMembers(2);
    // Server 4 restarts: it must join what the members committed, without server 3.
    const before = log().length;
    e.zk.setServerEnv(joiner, { SERVER_JVMFLAGS: "" });
    e.zk.start([joiner]);
    await e.zk.waitReady([joiner], WAIT);
    const restart = log().slice(before);
    expect(restart).to.contain("never synced with").and.contain("joins the configuration a member committed");
    expect(restart).to.not.contain("is a member in its own configuration");
    const started = e.liveFiles(joiner).filter((f) => f.startsWith("zoo.cfg.dynamic."));
    expect(started, "the joiner synced and wrote the committed configuration").to.have.length.greaterThan(0);
    // Back to three members for the steps that follow (server 4 leaves with its volume, server 3 joins anew).
    await e.resize(3);
    await expectMembers(3);
  });

  it("refused before any change while a member is down, naming it; nothing changes", async () => {
    await e.zk.stop([1]);
    const refusal = await convergeMembership(e.run("remove", 1)).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refusal).to.be.instanceOf(MembershipError);
    expect(refusal!.message)
      .to.match(/every member serving, and server\.2 \(zk-1\.zk-hs[^)]*\) is not answering/)
      .and.contain("nothing was changed");
    e.zk.start([1]);
    await e.zk.waitReady([1], WAIT);
    await expectMembers(3);
  });

  it("refused with a super user password the running servers do not have, saying so; nothing changes", async () => {
    const refusal = await convergeMembership(e.run("remove", 1, { sasl: { username: ADMIN_USER, password: "not-the-password" } })).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(refusal).to.be.instanceOf(MembershipError);
    expect(refusal!.message).to.contain("password").and.contain("nothing was changed").and.not.contain("not-the-password");
    await expectMembers(3);
  });

  it("3 -> 4 -> 3 with the bundled job killed in the middle of each phase: run again, it converges", async () => {
    const before = writer!.acknowledged;
    // 3 -> 4: the StatefulSet grew (server 4 starts and follows), the add job is killed as it adds.
    e.zk.writeSeed(3);
    e.size = 4;
    await e.scale(4);
    await e.zk.waitReady(range(4), WAIT);
    const add = await runJobUntil(e.jobEnv("add", 4), /adding 4/);
    expect(add.killed, `the job was killed (${add.output})`).to.equal(true);
    await convergeMembership(e.run("add", 4));
    await expectMembers(4);
    // 4 -> 3: the remove job is killed as it removes; run again before the StatefulSet shrinks.
    e.zk.writeSeed(3);
    e.size = 3;
    const remove = await runJobUntil(e.jobEnv("remove", 3), /removing 4/);
    expect(remove.killed, `the job was killed (${remove.output})`).to.equal(true);
    await convergeMembership(e.run("remove", 3));
    await e.scale(3);
    await expectMembers(3);
    await e.zk.waitFor("writes after the steps", async () => writer!.acknowledged > before + 10, WAIT);
  });

  step(3, 1);

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

describe("moving a running static ensemble to dynamic membership, then resizing it (real servers)", function () {
  this.timeout(600000);
  let e: ResizeEnsemble;
  let writer: ContinuousWriter | undefined;

  before(() => {
    e = new ResizeEnsemble(4, ADDRESS_BASE);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(e.lines.join("\n") + "\n" + e.zk.logTails(25));
  });
  after(async () => {
    await writer?.stop();
    await e?.zk.destroy();
  });

  it("3 static servers (the previous version's files) rolled one at a time to dynamic under a writer, then 3 -> 4 in one update: no write lost", async () => {
    for (const i of range(3)) e.zk.writeMembershipFiles(i, "static", 3);
    e.zk.start(range(3));
    await e.zk.waitReady(range(3), WAIT);
    writer = await ContinuousWriter.start(resizeWriterOptions(e.zk.connect(range(3)), "/migrate"));
    await e.zk.waitFor("the writer to write", async () => writer!.acknowledged > 5, WAIT);

    // The update that sets membership dynamic (replicas unchanged): the seed lists the 3, and the
    // StatefulSet rolls each server to the new ConfigMap, one at a time, each Ready before the next.
    e.zk.writeSeed(3);
    e.size = 3;
    expect((await convergeMembership(e.run("remove", 3))).removed, "the remove phase against static servers").to.deep.equal([]);
    for (const i of [2, 1, 0]) {
      await e.zk.stop([i]);
      e.zk.writeMembershipFiles(i, "dynamic", 3);
      e.zk.start([i]);
      await e.zk.waitReady([i], WAIT);
    }
    expect((await convergeMembership(e.run("add", 3))).added, "the add phase after the roll").to.deep.equal([]);
    for (const i of range(3)) expect(e.liveFiles(i), `server ${i + 1}'s live configuration`).to.include("zoo.cfg");

    const before = writer.acknowledged;
    const step = await e.resize(4);
    expect(step.add.added).to.deep.equal([4]);
    const views = await e.memberships(range(4));
    for (const view of views)
      expect(
        view
          .split("\n")
          .filter((l) => l.startsWith("server."))
          .map((l) => l.split("=")[0]),
      ).to.deep.equal(["server.1", "server.2", "server.3", "server.4"]);
    await e.zk.waitFor("writes after the resize", async () => writer!.acknowledged > before + 10, WAIT);

    const w = writer;
    writer = undefined;
    const report = await w.stop();
    for (const i of range(4)) expect((await w.readBack(e.zk.connect([i]))).lost, `writes missing on server ${i + 1}`).to.deep.equal([]);
    console.log(`      writer: ${report.acknowledged} acknowledged, none lost on servers 1-4, longest gap ${report.longestGapMs} ms`);
  });
});
