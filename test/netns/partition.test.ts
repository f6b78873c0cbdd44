// Network partitions on real ZooKeeper: each server in its own network namespace, cut off by
// dropping its packets on the bridge (silently: no reset, no ICMP), under continuous writers. Every
// scenario ends healed, with every acknowledged write present on every server.
import { expect } from "chai";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { TestNetwork, canBuildNetwork } from "../../harness/netns";
import { ContinuousWriter, WriterReport } from "../../zk/writer";
import { quickWriterOptions } from "../../harness/quick-writer";

const SERVERS = [0, 1, 2];
const WAIT = 60000;

async function exactlyOneLeader(zk: LocalEnsemble, among: number[]): Promise<number> {
  let leaders: number[] = [];
  await zk.waitFor(`one leader among ${among.join(", ")}`, async () => (leaders = await zk.leaders(among)).length === 1, WAIT);
  return leaders[0];
}

/** Stops a writer and checks every write it got acknowledged on every server; returns its report. */
async function stopAndFindEveryWrite(zk: LocalEnsemble, writer: ContinuousWriter): Promise<WriterReport> {
  const report = await writer.stop();
  for (const i of SERVERS) {
    const back = await writer.readBack(zk.connect([i]));
    expect(back.lost, `acknowledged writes of ${report.root} missing on server ${i + 1}`).to.deep.equal([]);
    expect(back.acknowledged).to.equal(report.acknowledged);
  }
  return report;
}

describe("network partitions on real ZooKeeper servers (one network namespace each)", function () {
  this.timeout(240000);
  if (!canBuildNetwork()) return;

  let net: TestNetwork;
  let zk: LocalEnsemble;
  let tickWindowMs: number;
  before(async () => {
    net = new TestNetwork(SERVERS.length);
    net.create();
    zk = new LocalEnsemble({ replicas: SERVERS.length }, 0, { network: net });
    tickWindowMs = zk.settings.zookeeper.tickTime * zk.settings.zookeeper.syncLimit;
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed") console.error(zk.logTails());
    net.heal();
  });
  after(async () => {
    await zk?.destroy();
    net?.destroy();
  });

  it("the leader cut off silently: the majority elects a new leader and writes resume; the old leader stops serving, then rejoins as a follower", async () => {
    await zk.allServing();
    const leader = await exactlyOneLeader(zk, SERVERS);
    const majority = SERVERS.filter((i) => i !== leader);
    const anyServer = await ContinuousWriter.start(quickWriterOptions(zk.connect(), "/partition-leader-any"));
    const throughMajority = await ContinuousWriter.start(quickWriterOptions(zk.connect(majority), "/partition-leader-majority"));
    await zk.waitFor("both writers to write", async () => anyServer.acknowledged > 5 && throughMajority.acknowledged > 5, WAIT);

    const cutAt = Date.now();
    const before = throughMajority.acknowledged;
    net.cut([leader], { fromClients: true });
    const newLeader = await exactlyOneLeader(zk, majority);
    await zk.waitFor("writes through the majority to resume", async () => throughMajority.acknowledged > before, WAIT);
    const resumedMs = Date.now() - cutAt;
    await zk.waitFor("the old leader to stop serving", async () => (await zk.modeInside(leader)) !== "leader", WAIT);
    console.log(`      writes resumed through the majority ${resumedMs} ms after the cut (tickTime x syncLimit = ${tickWindowMs} ms)`);
    expect(majority).to.include(newLeader);
    // Noticed after tickTime x syncLimit; the election and the first commit take well under a second more.
    expect(resumedMs).to.be.below(tickWindowMs + 2000);

    net.heal();
    await zk.waitFor("the old leader to rejoin as a follower", async () => (await zk.mode(leader)) === "follower", WAIT);
    await zk.waitReady();
    const client = await stopAndFindEveryWrite(zk, anyServer);
    await stopAndFindEveryWrite(zk, throughMajority);
    console.log(`      a client with every server's address: longest gap ${client.longestGapMs} ms, ${client.sessions} session(s)`);
  });

  it("one follower cut off: writes through the others go on, with no gap near tickTime x syncLimit", async () => {
    await zk.allServing();
    const leader = await exactlyOneLeader(zk, SERVERS);
    const follower = SERVERS.find((i) => i !== leader)!;
    const others = SERVERS.filter((i) => i !== follower);
    const writer = await ContinuousWriter.start(quickWriterOptions(zk.connect(others), "/partition-follower"));
    await zk.waitFor("the writer to write", async () => writer.acknowledged > 5, WAIT);

    net.cut([follower], { fromClients: true });
    await zk.waitFor("the follower to notice", async () => (await zk.modeInside(follower)) !== "follower", WAIT);
    const during = writer.acknowledged;
    await new Promise((r) => setTimeout(r, 2000));
    expect(writer.acknowledged, "writes went on while the follower was cut off").to.be.above(during + 10);
    net.heal();
    await zk.waitFor("the follower to rejoin", async () => (await zk.mode(follower)) === "follower", WAIT);

    await zk.waitReady();
    const report = await stopAndFindEveryWrite(zk, writer);
    console.log(`      longest gap between acknowledged writes: ${report.longestGapMs} ms (tickTime x syncLimit = ${tickWindowMs} ms)`);
    expect(report.longestGapMs).to.be.below(tickWindowMs);
  });

  it("a minority and a majority side, each with its clients: the minority side acknowledges no write", async () => {
    await zk.allServing();
    const leader = await exactlyOneLeader(zk, SERVERS);
    // The leader alone on the minority side: the hardest case, as it was serving writes until the cut.
    const minority = [leader];
    const majority = SERVERS.filter((i) => i !== leader);
    const onMinority = await ContinuousWriter.start(quickWriterOptions(zk.connect(minority), "/partition-minority"));
    const onMajority = await ContinuousWriter.start(quickWriterOptions(zk.connect(majority), "/partition-majority"));
    await zk.waitFor("both sides to write", async () => onMinority.acknowledged > 5 && onMajority.acknowledged > 5, WAIT);

    // Servers cut from each other; each side's clients still reach their side.
    net.cut(minority);
    // A write whose quorum acknowledged it just before the cut may still be answered just after.
    await new Promise((r) => setTimeout(r, 500));
    const minorityBefore = onMinority.acknowledged;
    const majorityBefore = onMajority.acknowledged;
    await zk.waitFor("the minority server to stop serving", async () => !(await zk.probe(leader, "ready")).ok, WAIT);
    await zk.waitFor("writes on the majority side", async () => onMajority.acknowledged > majorityBefore + 20, WAIT);
    expect(onMinority.acknowledged, "writes the minority side acknowledged after the cut").to.equal(minorityBefore);

    net.heal();
    await zk.waitReady();
    await stopAndFindEveryWrite(zk, onMinority);
    await stopAndFindEveryWrite(zk, onMajority);
  });

  it("leaves no namespace, link or nftables table behind", async () => {
    await zk.destroy();
    net.destroy();
    expect(net.leftovers()).to.deep.equal([]);
  });
});
