// The continuous writer and its lost-write accounting (zk/writer.ts), the code the e2e drills
// run, on three real ZooKeeper servers (the fetched release, 3.9.5 by default) on 127.0.0.170-172 with the project's
// rendered configuration: every acknowledged write reads back through each server, a removed one is
// reported lost, and through a leader kill, a quorum loss and an expired session the writer goes on,
// reports its longest gap and what it could not know, and loses nothing it was told was written.
import { expect } from "chai";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { ContinuousWriter, ReadBack, WriterOptions, WriterReport, describeWrites, writeName } from "../../zk/writer";
import { ZkClient } from "../../zk/zk-client";

const ADDRESS_BASE = 170;
const SERVER_WAIT = 60000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the continuous writer on a loopback ensemble", function () {
  this.timeout(120000);
  let zk: LocalEnsemble;
  let run = 0;
  /** A root of the test's own, so one test's writes never count in another's. */
  const root = () => `/writer-test/${++run}`;

  before(() => {
    zk = new LocalEnsemble({ replicas: 3 }, ADDRESS_BASE);
  });
  beforeEach(async () => {
    await zk.allServing(SERVER_WAIT);
  });
  // A failed case must not leave its writer writing (it would keep mocha alive).
  let writers: ContinuousWriter[] = [];
  const startWriter = async (options: WriterOptions) => {
    const writer = await ContinuousWriter.start(options);
    writers.push(writer);
    return writer;
  };
  afterEach(async function () {
    await Promise.all(writers.map((w) => w.stop()));
    writers = [];
    if (this.currentTest?.state === "failed") console.error(zk.logTails());
  });
  after(async () => {
    await zk?.destroy();
  });

  /** Reads the writes back through each server on its own. */
  const readBackEach = (writer: ContinuousWriter) => Promise.all(zk.servers.map((s) => writer.readBack(zk.connect([s.ordinal]))));

  /** Waits (bounded) until the writer has `n` more acknowledged writes than now. */
  async function moreAcks(writer: ContinuousWriter, n: number, ms = 30000): Promise<void> {
    const target = writer.acknowledged + n;
    await zk.waitFor(`${n} more acknowledged writes`, async () => writer.acknowledged >= target, ms);
  }

  async function leader(): Promise<number> {
    let leaders: number[] = [];
    await zk.waitFor("exactly one leader", async () => (leaders = await zk.leaders()).length === 1, SERVER_WAIT);
    return leaders[0];
  }

  function log(report: WriterReport, readBacks: ReadBack[]) {
    console.log(`      ${describeWrites(report, readBacks)}`);
  }

  it("writes at no more than its rate, and every acknowledged write reads back through each server", async () => {
    const writer = await startWriter({ connectionString: zk.connect(), root: root(), ratePerSecond: 40 });
    await sleep(2000);
    const report = await writer.stop();
    const readBacks = await readBackEach(writer);
    log(report, readBacks);
    expect(report.acknowledged).to.be.greaterThan(40);
    expect(report.attempted).to.be.at.most(Math.ceil((40 * report.durationMs) / 1000) + 1);
    expect(report.unknown).to.deep.equal({ timeouts: 0, connectionLosses: 0, sessionExpiries: 0 });
    for (const r of readBacks) {
      expect(r.acknowledged, r.through).to.equal(report.acknowledged);
      expect(r.lost, r.through).to.deep.equal([]);
    }
  });

  it("reports an acknowledged write that is gone as lost, by its number", async () => {
    const path = root();
    const writer = await startWriter({ connectionString: zk.connect(), root: path, ratePerSecond: 40 });
    await sleep(1000);
    const report = await writer.stop();
    const client = await ZkClient.open(zk.connect([0]), { connectMs: 10000, requestMs: 5000 });
    try {
      await client.remove(`${path}/${writeName(3)}`);
      await client.remove(`${path}/${writeName(7)}`);
    } finally {
      client.close();
    }
    const readBacks = await readBackEach(writer);
    for (const r of readBacks) expect(r.lost, r.through).to.deep.equal([3, 7]);
    expect(describeWrites(report, readBacks)).to.contain("LOST: 2 through");
  });

  it("through a SIGKILL of the leader: writing resumes within seconds, the gap is reported, nothing acknowledged is lost", async () => {
    const old = await leader();
    const writer = await startWriter({ connectionString: zk.connect(), root: root(), ratePerSecond: 50, writeTimeoutMs: 2000 });
    await moreAcks(writer, 20);
    const killedAt = Date.now();
    await zk.stop([old], "SIGKILL");
    await moreAcks(writer, 20, 20000);
    const resumedWithin = Date.now() - killedAt;
    zk.start([old]);
    await zk.waitReady(undefined, SERVER_WAIT);
    await moreAcks(writer, 20);
    const report = await writer.stop();
    const readBacks = await readBackEach(writer);
    log(report, readBacks);
    expect(resumedWithin, "20 acknowledged writes after the kill").to.be.below(10000);
    expect(report.longestGapMs).to.be.greaterThan(0).and.below(10000);
    for (const r of readBacks) expect(r.lost, r.through).to.deep.equal([]);
  });

  it("through a quorum loss: writes time out as outcome unknown, and none acknowledged is lost once it returns", async () => {
    const writer = await startWriter({ connectionString: zk.connect(), root: root(), ratePerSecond: 20, writeTimeoutMs: 1000 });
    await moreAcks(writer, 10);
    const down = [1, 2];
    await zk.stop(down, "SIGKILL");
    await sleep(4000);
    zk.start(down);
    await zk.waitReady(undefined, SERVER_WAIT);
    await moreAcks(writer, 10);
    const report = await writer.stop();
    const readBacks = await readBackEach(writer);
    log(report, readBacks);
    const unknown = report.unknown.timeouts + report.unknown.connectionLosses + report.unknown.sessionExpiries;
    expect(unknown, "writes without an answer during the loss").to.be.greaterThan(0);
    expect(report.longestGapMs).to.be.at.least(4000);
    for (const r of readBacks) expect(r.lost, r.through).to.deep.equal([]);
  });

  it("when its session expires (its only server down past the session timeout) it opens a new one and goes on", async () => {
    const writer = await startWriter({
      connectionString: zk.connect([0]),
      root: root(),
      ratePerSecond: 20,
      writeTimeoutMs: 1000,
      // The servers' minimum (2 x tickTime 2000): the two others expire it 4 s after server 0 dies.
      sessionTimeoutMs: 4000,
    });
    await moreAcks(writer, 10);
    await zk.stop([0], "SIGKILL");
    await sleep(7000);
    zk.start([0]);
    await zk.waitReady(undefined, SERVER_WAIT);
    await moreAcks(writer, 10);
    const report = await writer.stop();
    const readBacks = await readBackEach(writer);
    log(report, readBacks);
    expect(report.sessions).to.be.at.least(2);
    expect(report.longestGapMs).to.be.at.least(7000);
    for (const r of readBacks) expect(r.lost, r.through).to.deep.equal([]);
  });
});
