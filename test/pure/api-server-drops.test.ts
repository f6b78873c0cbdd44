// A `pulumi up` that changes no setting plans no change, on every Kubernetes release we support:
// pulumi-kubernetes diffs the new inputs against the live object pruned to the old inputs, so a
// field we send that the API server drops is a change on every run (and the StatefulSet's update
// then waits for every server to be Ready). Sources in harness/upstream-rules.ts.
import { expect } from "chai";
import * as fs from "fs";
import { goldenFile, stackNames } from "../../harness/golden";
import { MAX_UNAVAILABLE_STATEFULSET_GATE, pruneLiveState, storedByApiServer } from "../../harness/upstream-rules";

interface GoldenResource {
  type: string;
  name: string;
  inputs: any;
}

/** The Kubernetes objects a stack sends, as the engine receives them (the golden render, kept equal to the program by golden.test.ts). */
function kubernetesObjects(stack: string): GoldenResource[] {
  const golden = JSON.parse(fs.readFileSync(goldenFile(stack), "utf8")) as { resources: GoldenResource[] };
  return golden.resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs?.kind);
}

/** The inputs as the provider compares them (the engine's own keys left out). */
const asSent = (inputs: any) => Object.fromEntries(Object.entries(inputs).filter(([k]) => !k.startsWith("__")));

describe("contract: the API server keeps every field the program sets, so a second up plans no change", () => {
  for (const [version, gateOn] of Object.entries(MAX_UNAVAILABLE_STATEFULSET_GATE)) {
    for (const stack of stackNames()) {
      it(`Kubernetes ${version} (MaxUnavailableStatefulSet ${gateOn ? "on" : "off"}), stack ${stack}`, () => {
        const objects = kubernetesObjects(stack);
        expect(objects.some((o) => o.inputs.kind === "StatefulSet")).to.equal(true);
        for (const o of objects) {
          const sent = asSent(o.inputs);
          const live = storedByApiServer(sent, gateOn);
          expect(pruneLiveState(live, sent), `${o.type} ${o.name}`).to.deep.equal(sent);
        }
      });
    }
  }

  it("the rule can fail: a maxUnavailable the API server drops would be a change on every up", () => {
    const sent = {
      kind: "StatefulSet",
      spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0, maxUnavailable: 1 } } },
    };
    expect(pruneLiveState(storedByApiServer(sent, false), sent)).to.not.deep.equal(sent);
    expect(pruneLiveState(storedByApiServer(sent, true), sent)).to.deep.equal(sent);
  });
});
