// Changes a running ensemble takes one step at a time (components/zookeeper/transitions.ts), and the
// guard that refuses the others, loaded from its serialized form as Pulumi's provider host loads it.
import { expect } from "chai";
import { useMocks, settle, one, runProgram } from "./support/mocks";
import { stackConfig, useHomeWithKubeconfig } from "./support/stack-files";
import { TransitionGuard, TRANSITION_GUARD_VERSION } from "../components/zookeeper/transition-guard";
import { transitionProblems, TLS_STAGES, EnsembleShape } from "../components/zookeeper/transitions";

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
      for (const tls of TLS_STAGES) expect(transitionProblems(undefined, { tls, replicas: 5 })).to.deep.equal([]);
    });

    it("TLS moves one stage per update, either way, and a skip names the path and the next stage", () => {
      for (let i = 0; i < TLS_STAGES.length; i++) {
        for (let j = 0; j < TLS_STAGES.length; j++) {
          const problems = transitionProblems({ tls: TLS_STAGES[i], replicas: 3 }, { tls: TLS_STAGES[j], replicas: 3 });
          expect(problems.length, `${TLS_STAGES[i]} -> ${TLS_STAGES[j]}`).to.equal(Math.abs(i - j) > 1 ? 1 : 0);
        }
      }
      const [skip] = transitionProblems({ tls: "off", replicas: 3 }, { tls: "on", replicas: 3 });
      expect(skip.argument).to.equal("tls");
      expect(skip.reason).to.contain("off -> accept -> prefer -> on").and.contain("set accept first");
      const [back] = transitionProblems({ tls: "on", replicas: 3 }, { tls: "off", replicas: 3 });
      expect(back.reason).to.contain("on -> prefer -> accept -> off").and.contain("set prefer first");
    });

    it("the static server list grows or shrinks by one server per update", () => {
      expect(transitionProblems({ tls: "off", replicas: 3 }, { tls: "off", replicas: 4 })).to.deep.equal([]);
      expect(transitionProblems({ tls: "off", replicas: 3 }, { tls: "off", replicas: 2 })).to.deep.equal([]);
      const [grow] = transitionProblems({ tls: "off", replicas: 3 }, { tls: "off", replicas: 5 });
      expect(grow.argument).to.equal("replicas");
      expect(grow.reason).to.contain("set 4 first");
      const [shrink] = transitionProblems({ tls: "off", replicas: 3 }, { tls: "off", replicas: 1 });
      expect(shrink.reason).to.contain("set 2 first");
    });
  });

  describe("the guard, loaded from its serialized form", () => {
    it("check refuses a skip against the inputs the last update stored, and passes a step or a new ensemble", async () => {
      const { provider, inputs } = await serializedGuard({ tls: "on", replicas: 3 });
      expect(inputs).to.deep.equal({ tls: "on", replicas: 3, providerVersion: TRANSITION_GUARD_VERSION });
      const fresh = await provider.check({}, inputs);
      expect(fresh.failures).to.deep.equal([]);
      const step = await provider.check({ ...inputs, tls: "prefer" }, inputs);
      expect(step.failures).to.deep.equal([]);
      const skip = await provider.check({ ...inputs, tls: "off", replicas: 1 }, inputs);
      expect(skip.failures.map((f: { property: string }) => f.property)).to.deep.equal(["tls", "replicas"]);
      expect(skip.failures[0].reason).to.contain("set accept first");
    });

    it("stores what it was asked for, creates nothing, and changes only when the shape does", async () => {
      const { provider, inputs } = await serializedGuard({ tls: "off", replicas: 3 });
      expect((await provider.create(inputs)).outs).to.deep.equal(inputs);
      expect((await provider.diff("id", inputs, inputs)).changes).to.equal(false);
      expect((await provider.diff("id", inputs, { ...inputs, replicas: 4 })).changes).to.equal(true);
    });

    it("its serialized code requires nothing but the rules it captured", async () => {
      const { serialized } = await serializedGuard({ tls: "off", replicas: 3 });
      expect(serialized.match(/require\("([^"]+)"\)/g) ?? []).to.deep.equal([]);
    });
  });

  it("the ensemble's every other object waits for the guard, so a refused change touches nothing", async function () {
    this.timeout(30000);
    const { resources } = await runProgram("dev", stackConfig("dev"));
    const guard = one(resources, GUARD_TYPE);
    expect(guard.inputs).to.include({ tls: "off", replicas: 3 });
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
