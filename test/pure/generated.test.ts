// Every file `npm run gen` writes (scripts/generate.ts GENERATED: Pulumi.yaml's `config:`, the
// settings table, the jobs' bundle, the reviewed render of each stack in test/golden/ (see
// harness/golden.ts), the formatter's ignore list and .gitattributes) is what it makes now.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GENERATED } from "../../scripts/generate";
import { GOLDEN_DIR } from "../../harness/golden";

const ROOT = path.join(__dirname, "..", "..");

describe("every generated file is what npm run gen makes now", function () {
  this.timeout(30000);
  for (const { file, render } of GENERATED) {
    it(file, async () => {
      const full = path.join(ROOT, file);
      const current = fs.existsSync(full) ? fs.readFileSync(full, "utf8") : "(missing)";
      const now = await render(current);
      if (full.startsWith(GOLDEN_DIR + path.sep)) {
        // Compared as text, so a failure shows the changed lines.
        expect(now, `the ${path.basename(file, ".json")} render changed; review the diff, then npm run gen`).to.equal(current);
      } else {
        expect(now === current, `${file} is stale: run npm run gen`).to.equal(true);
      }
    });
  }

  it("lists the bundle the program reads and each stack's render, whole", () => {
    const whole = GENERATED.filter((g) => g.part === "whole").map((g) => g.file);
    expect(whole).to.include.members(["components/node-job/jobs.bundle.js", "test/golden/dev.json", ".gitattributes"]);
  });
});
