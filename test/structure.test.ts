// Rules of the code's layout that no type checker sees: what a layer may know, where a fact lives.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";

const ROOT = path.join(__dirname, "..");
/** Generated from ops/lib/backup and node-zookeeper-client (npm run gen): not ours to word. */
const GENERATED = new Set(["components/backup/backup-job.bundle.js"]);

/** Every file under `dir`, as a path relative to the repository, generated files left out. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .filter((f) => !GENERATED.has(f))
    .sort();
}

const containing = (files: string[], text: string | RegExp) =>
  files.filter((f) => {
    const content = fs.readFileSync(path.join(ROOT, f), "utf8");
    return typeof text === "string" ? content.includes(text) : text.test(content);
  });

describe("the code's structure", () => {
  const components = filesUnder("components");

  it("finds the components' files", () => {
    expect(components).to.include.members(["components/kind/provider.ts", "components/zookeeper/metrics.ts"]);
  });

  it("components/ knows nothing of `pulumi config`: it names its own arguments, the stack layer (config/) its settings", () => {
    expect(containing(components, /pulumi\s+config/i)).to.deep.equal([]);
  });

  it('the managed-by value "kind-zookeeper" is written once, in components/managed-by.ts', () => {
    expect(containing(components, '"kind-zookeeper"')).to.deep.equal(["components/managed-by.ts"]);
  });
});
