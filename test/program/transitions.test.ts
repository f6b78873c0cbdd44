// Changes a running ensemble takes one step at a time (components/zookeeper/transitions.ts), and the
// guard that refuses the others, loaded from its serialized form as Pulumi's provider host loads it.
import { expect } from "chai";
import { useMocks, settle, one, runProgram } from "../../harness/mocks";
import { stackConfig, useHomeWithKubeconfig } from "../../harness/stack-files";
import { TransitionGuard, TRANSITION_GUARD_VERSION } from "../../components/zookeeper/transition-guard";
import { transitionProblems, TLS_STAGES, EnsembleShape } from "../../components/zookeeper/transitions";

const requireFromString = require("require-from-string");
const GUARD_TYPE = "pulumi-nodejs:dynamic/zookeeper:TransitionGuard";

async function serializedGuard(shape: EnsembleShape) {
  const resources = useMocks("dev");
  new TransitionGuard("guard", shape);
  await settle(resources);
  const { __provider, ...inputs } = one(resources, GUARD_TYPE).inputs;
  expect(__provider, "the provider is serialized into the inputs").to.be.a("string");
  return { provider: requireFromString(__provider).handler(), inputs, serialized: __provider as string };
}

describe("changes a running ensemble takes one step at a time", () => {
  useHomeWithKubeconfig();
  describe("the rules", () => {
    it("a new ensemble may start at any TLS stage and size", () => {
      for (const tls of TLS_STAGES) expect(transitionProblems(undefined, { tls, replicas: 5, membership: "static" })).to.deep.equal([]);
    });

    it("TLS moves one stage per update, either way, and a skip names the path and the next stage", () => {
      for (let i = 0; i < TLS_STAGES.length; i++) {
        for (let j = 0; j < TLS_STAGES.length; j++) {
          const problems = transitionProblems(
            { tls: TLS_STAGES[i], replicas: 3, membership: "static" },
            { tls: TLS_STAGES[j], replicas: 3, membership: "static" },
          );
          expect(problems.length, `${TLS_STAGES[i]} -> ${TLS_STAGES[j]}`).to.equal(Math.abs(i - j) > 1 ? 1 : 0);
        }
      }
      const [skip] = transitionProblems(
        { tls: "off", replicas: 3, membership: "static" },
        { tls: "on", replicas: 3, membership: "static" },
      );
      expect(skip.argument).to.equal("tls");
      expect(skip.reason).to.contain("off -> accept -> prefer -> on").and.contain("set accept first");
      const [back] = transitionProblems(
        { tls: "on", replicas: 3, membership: "static" },
        { tls: "off", replicas: 3, membership: "static" },
      );
      expect(back.reason).to.contain("on -> prefer -> accept -> off").and.contain("set prefer first");
    });

    it("the static server list grows or shrinks by one server per update", () => {
      expect(
        transitionProblems({ tls: "off", replicas: 3, membership: "static" }, { tls: "off", replicas: 4, membership: "static" }),
      ).to.deep.equal([]);
      expect(
        transitionProblems({ tls: "off", replicas: 3, membership: "static" }, { tls: "off", replicas: 2, membership: "static" }),
      ).to.deep.equal([]);
      const [grow] = transitionProblems(
        { tls: "off", replicas: 3, membership: "static" },
        { tls: "off", replicas: 5, membership: "static" },
      );
      expect(grow.argument).to.equal("replicas");
      expect(grow.reason).to.contain("set 4 first");
      const [shrink] = transitionProblems(
        { tls: "off", replicas: 3, membership: "static" },
        { tls: "off", replicas: 1, membership: "static" },
      );
      expect(shrink.reason).to.contain("set 2 first").and.contain("set membership to dynamic (with replicas 3)");
    });

    it("dynamic membership resizes in one update by any number of servers", () => {
      for (const [from, to] of [
        [3, 5],
        [5, 3],
        [1, 3],
        [3, 1],
        [1, 7],
      ]) {
        expect(
          transitionProblems({ tls: "off", replicas: from, membership: "dynamic" }, { tls: "off", replicas: to, membership: "dynamic" }),
        ).to.deep.equal([]);
      }
    });

    it("membership changes only at an unchanged size, either way, and the refusal says to change it alone first", () => {
      for (const [from, to] of [
        ["static", "dynamic"],
        ["dynamic", "static"],
      ] as const) {
        expect(
          transitionProblems({ tls: "off", replicas: 3, membership: from }, { tls: "off", replicas: 3, membership: to }),
        ).to.deep.equal([]);
        const problems = transitionProblems({ tls: "off", replicas: 3, membership: from }, { tls: "off", replicas: 4, membership: to });
        expect(problems.map((p) => p.argument)).to.deep.equal(["membership"]);
        expect(problems[0].reason).to.contain("Change membership alone first (replicas 3)");
      }
    });
  });

  describe("the guard, loaded from its serialized form", () => {
    it("check refuses a skip against the inputs the last update stored, and passes a step or a new ensemble", async () => {
      const { provider, inputs } = await serializedGuard({ tls: "on", replicas: 3, membership: "static" });
      expect(inputs).to.deep.equal({ tls: "on", replicas: 3, membership: "static", providerVersion: TRANSITION_GUARD_VERSION });
      const fresh = await provider.check({}, inputs);
      expect(fresh.failures).to.deep.equal([]);
      const step = await provider.check({ ...inputs, tls: "prefer" }, inputs);
      expect(step.failures).to.deep.equal([]);
      const skip = await provider.check({ ...inputs, tls: "off", replicas: 1, membership: "static" }, inputs);
      expect(skip.failures.map((f: { property: string }) => f.property)).to.deep.equal(["tls", "replicas"]);
      expect(skip.failures[0].reason).to.contain("set accept first");
    });

    it("state stored before membership existed counts as static", async () => {
      const { provider, inputs } = await serializedGuard({ tls: "off", replicas: 5, membership: "static" });
      const v1 = { tls: "off", replicas: 3, providerVersion: "1" };
      const jump = await provider.check(v1, inputs);
      expect(jump.failures.map((f: { property: string }) => f.property)).to.deep.equal(["replicas"]);
      const migrate = await provider.check(v1, { ...inputs, replicas: 3, membership: "dynamic" });
      expect(migrate.failures).to.deep.equal([]);
      expect((await provider.diff("id", { ...inputs, membership: "static" }, { ...inputs, membership: "dynamic" })).changes).to.equal(true);
    });

    it("stores what it was asked for, creates nothing, and changes only when the shape does", async () => {
      const { provider, inputs } = await serializedGuard({ tls: "off", replicas: 3, membership: "static" });
      expect((await provider.create(inputs)).outs).to.deep.equal({ ...inputs, seedReplicas: 3 });
      expect((await provider.diff("id", inputs, inputs)).changes).to.equal(false);
      expect((await provider.diff("id", inputs, { ...inputs, replicas: 4, membership: "static" })).changes).to.equal(true);
    });

    it("the seed lists all of a new ensemble, and after a resize the smaller size: during a grow only servers that were members", async () => {
      const { provider, inputs } = await serializedGuard({ tls: "off", replicas: 3, membership: "dynamic" });
      expect((await provider.create({ ...inputs, replicas: 3 })).outs.seedReplicas).to.equal(3);
      const stored = { ...inputs, replicas: 3, seedReplicas: 3 };
      expect((await provider.update("id", stored, { ...inputs, replicas: 5 })).outs).to.include({ replicas: 5, seedReplicas: 3 });
      expect((await provider.update("id", { ...stored, replicas: 5 }, { ...inputs, replicas: 1 })).outs).to.include({
        replicas: 1,
        seedReplicas: 1,
      });
      expect((await provider.update("id", stored, { ...inputs, membership: "static" })).outs).to.include({ seedReplicas: 3 });
    });

    it("its serialized code requires nothing but the rules it captured", async () => {
      const { serialized } = await serializedGuard({ tls: "off", replicas: 3, membership: "static" });
      expect(serialized.match(/require\("([^"]+)"\)/g) ?? []).to.deep.equal([]);
    });
  });

  it("the ensemble's every other object waits for the guard, so a refused change touches nothing", async function () {
    this.timeout(30000);
    const { resources } = await runProgram("dev", stackConfig("dev"));
    const guard = one(resources, GUARD_TYPE);
    expect(guard.inputs).to.include({ tls: "off", replicas: 3, membership: "static" });
    const children = resources.filter((r) => r.options.parent === guard.options.parent && r !== guard && r.type.startsWith("kubernetes:"));
    expect(children.length).to.be.at.least(6);
    for (const r of children) {
      expect(
        r.options.dependencies.some((urn) => urn.endsWith(`${GUARD_TYPE}::${guard.name}`)),
        `${r.type} ${r.name} depends on the guard`,
      ).to.equal(true);
    }
  });
});
