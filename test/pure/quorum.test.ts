import { expect } from "chai";
import { quorumSize, planDisruptionBudget } from "../../components/zookeeper/quorum";

describe("quorum arithmetic and the disruption budget", () => {
  it("quorum is a strict majority", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(quorumSize)).to.deep.equal([1, 2, 2, 3, 3, 4, 4]);
  });

  it("defaults to maxUnavailable 1 from 3 servers up", () => {
    for (const n of [3, 4, 5, 7, 9]) {
      expect(planDisruptionBudget(n).budget, `${n}`).to.deep.equal({ maxUnavailable: 1 });
      expect(planDisruptionBudget(n).warnings, `${n}`).to.deep.equal([]);
    }
  });

  it("for 2 servers, defaults to maxUnavailable 0 and warns that drains block", () => {
    const plan = planDisruptionBudget(2);
    expect(plan.budget).to.deep.equal({ maxUnavailable: 0 });
    expect(plan.warnings[0]).to.contain("blocks until you scale up");
  });

  it("for 1 server, creates none and says so", () => {
    const plan = planDisruptionBudget(1);
    expect(plan.budget).to.equal(undefined);
    expect(plan.warnings[0]).to.contain("no PodDisruptionBudget is created");
  });

  it("every explicit setting that keeps a quorum is accepted as is", () => {
    for (let n = 1; n <= 9; n++) {
      const q = quorumSize(n);
      for (let m = 0; m <= n - q; m++) expect(planDisruptionBudget(n, m).budget).to.deep.equal({ maxUnavailable: m });
      for (let a = q; a <= n; a++) expect(planDisruptionBudget(n, undefined, a).budget).to.deep.equal({ minAvailable: a });
    }
  });

  it("every explicit setting that could break the quorum is a problem", () => {
    for (let n = 1; n <= 9; n++) {
      const q = quorumSize(n);
      for (let m = n - q + 1; m <= n; m++) {
        const plan = planDisruptionBudget(n, m);
        expect(plan.problems, `replicas ${n} maxUnavailable ${m}`).to.have.length(1);
        expect(plan.budget).to.equal(undefined);
      }
      for (let a = 1; a < q; a++) expect(planDisruptionBudget(n, undefined, a).problems).to.have.length(1);
    }
  });
});
