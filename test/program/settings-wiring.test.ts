// Every setting reaches what the program registers: a setting read but never wired (say, forgotten
// in index.ts) would still parse, validate and pass every other test.
import { expect } from "chai";
import { Registered } from "../../harness/mocks";
import { useHomeWithKubeconfig } from "../../harness/stack-files";
import { SETTING_VARIANTS, variantRuns } from "../../harness/setting-variants";

/** Everything the engine would receive: each resource's type, name, parent, provider and inputs. */
function registration(resources: Registered[]): string[] {
  return resources
    .map((r) =>
      JSON.stringify({
        type: r.type,
        name: r.name,
        parent: r.options.parent,
        provider: r.provider,
        inputs: { ...r.inputs, __provider: undefined },
      }),
    )
    .sort();
}

describe("every setting changes what the program registers", function () {
  this.timeout(60000);
  useHomeWithKubeconfig();
  for (const [key, variant] of Object.entries(SETTING_VARIANTS)) {
    it(key, async () => {
      const [before, after] = await variantRuns(variant);
      expect(registration(after.resources)).not.to.deep.equal(registration(before.resources));
    });
  }
});
