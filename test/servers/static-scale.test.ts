// A static-membership scale-up under rollOrder leader-last. The StatefulSet is OnDelete there
// (components/zookeeper/roll-job.ts), so the new pod starts with the new server list while the
// running servers keep the old one until the roll Job restarts them; the Job runs only once the
// StatefulSet counts every replica Ready (pulumi-kubernetes pkg/await/statefulset.go), so the new
// server must become Ready beside servers that do not list it, or `pulumi up` would wait for ever.
// Real servers on 127.0.0.70-73.
import { expect } from "chai";
import { LocalEnsemble } from "../../harness/zk-ensemble";

const ADDRESS_BASE = 70;

describe("a static scale-up 3 -> 4 before the roll (real servers)", function () {
  this.timeout(120000);
  let zk: LocalEnsemble;

  before(() => {
    zk = new LocalEnsemble({ replicas: 4 }, ADDRESS_BASE);
    for (const i of [0, 1, 2]) zk.writeMembershipFiles(i, "static", 3);
    zk.writeMembershipFiles(3, "static", 4);
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed" && zk) console.error(zk.logTails(20));
  });
  after(async () => {
    await zk?.destroy();
  });

  it("the new server, listing 4 servers, becomes Ready and follows the leader of 3 servers that list 3, so the StatefulSet gets Ready and the roll Job can run", async () => {
    zk.start([0, 1, 2]);
    await zk.waitReady([0, 1, 2], 60000);
    const t0 = Date.now();
    zk.start([3]);
    await zk.waitReady([3], 60000);
    console.log(`      server 4 Ready ${Date.now() - t0} ms after start, beside three servers that do not list it`);
    expect(await zk.mode(3)).to.equal("follower");
    expect((await zk.probe(3, "ready")).ok).to.equal(true);
    expect(await zk.leaders([0, 1, 2])).to.have.length(1);
  });
});
