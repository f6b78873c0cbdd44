// The full render of each stack file is the reviewed one in test/golden/ (see test/support/golden.ts).
import { expect } from "chai";
import * as fs from "fs";
import { goldenFile, goldenText, stackNames } from "./support/golden";

describe("each stack deploys exactly its reviewed render (test/golden, rewritten by npm run gen)", function () {
  this.timeout(30000);
  for (const stack of stackNames()) {
    it(stack, async () => {
      const reviewed = fs.existsSync(goldenFile(stack)) ? fs.readFileSync(goldenFile(stack), "utf8") : "(missing)";
      const now = await goldenText(stack);
      // Compared as text, so a failure shows the changed lines.
      expect(now, `the ${stack} render changed; review the diff, then npm run gen`).to.equal(reviewed);
    });
  }
});
