// The harness's own promise: a LocalEnsemble that refuses to be made (options the component refuses)
// leaves nothing behind in the run, so the suites after it start clean and Ctrl-C has nothing stale
// to clean. It reads the installed release first, hence this tier.
import { expect } from "chai";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { heldLocks } from "../../harness/machine-lock";
import { pendingCleanups } from "../../harness/interrupt";

const ADDRESS_BASE = 48;

describe("a local ensemble the component refuses", () => {
  it("throws the component's refusal and holds no address lock and leaves no Ctrl-C cleanup afterwards", () => {
    const cleanups = pendingCleanups();
    expect(() => new LocalEnsemble({ replicas: 3, heap: "lots" }, ADDRESS_BASE)).to.throw(/heap/);
    expect(heldLocks().filter((l) => l.startsWith(`127.0.0.${ADDRESS_BASE}`))).to.deep.equal([]);
    expect(pendingCleanups()).to.equal(cleanups);
  });
});
