import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { GENERATED } from "../scripts/generate";

const ROOT = path.join(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

describe("README and Pulumi.yaml stay true", () => {
  for (const { file, render } of GENERATED) {
    it(`${file} is what npm run gen makes of the settings table`, () => {
      const current = fs.readFileSync(path.join(ROOT, file), "utf8");
      expect(render(current) === current, `${file} is stale: run npm run gen`).to.equal(true);
    });
  }

  it("documents every stack output", async () => {
    const source = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
    const exported = [...source.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    expect(exported).to.include.members(["namespace", "serverFqdns", "clientEndpoint", "connectionString", "clusterName", "kubeconfig", "storageClassName", "hostEndpoint"]);
    for (const name of exported) expect(readme, name).to.contain(`| \`${name}\` |`);
  });

  it("gives the test command that CI runs", () => {
    expect(readme).to.contain("```sh\nnpm test\n```");
    const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    expect(ci.trimEnd().split("\n").at(-1)).to.equal("npm test");
  });
});
