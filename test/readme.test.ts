import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { KNOBS } from "../stacks";

const ROOT = path.join(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

describe("README stays true", () => {
  it("documents every setting in its table, with the default the program uses", () => {
    for (const [key, knob] of Object.entries(KNOBS)) {
      const settings = readme.slice(readme.indexOf("## Settings"));
      const row = settings.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
      expect(row, `README has a row for ${key}`).not.to.equal(undefined);
      if (knob.default !== undefined && knob.default !== "") expect(row, key).to.contain(`\`${String(knob.default)}\``);
    }
  });

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
