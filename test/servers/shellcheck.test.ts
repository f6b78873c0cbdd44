// The pod scripts are shell files (components/zookeeper/scripts/), the same in every rendered variant
// (their inputs are the environment, their features read from zoo.cfg): shellcheck reads each one,
// and a finding fails the suite unless an inline directive says why it does not apply.
import { expect } from "chai";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { renderConfigFiles } from "../../components/zookeeper/configmap";
import { resolveEnsemble } from "../../components/zookeeper/options";

const SCRIPTS = path.join(__dirname, "..", "..", "components", "zookeeper", "scripts");

describe("the pod scripts under shellcheck", () => {
  it("every script of the ConfigMap, in each variant (plain, TLS, dynamic membership), is one of the shell files", () => {
    const files = new Map(fs.readdirSync(SCRIPTS).map((f) => [f, fs.readFileSync(path.join(SCRIPTS, f), "utf8")]));
    for (const options of [
      {},
      { tls: { mode: "generated" as const }, rollOrder: "ordinal" as const },
      { membership: "dynamic" as const, replicas: 3 },
    ]) {
      for (const [name, content] of Object.entries(renderConfigFiles(resolveEnsemble(options)))) {
        if (name === "zoo.cfg") continue;
        expect(files.get(name), `${name} (${JSON.stringify(options)})`).to.equal(content);
      }
    }
  });

  it("shellcheck finds nothing in any of them", () => {
    const version = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
    if (version.error) throw new Error("shellcheck is not installed: apt-get install shellcheck (.ci/run does this)");
    const scripts = fs.readdirSync(SCRIPTS).map((f) => path.join(SCRIPTS, f));
    expect(scripts.length).to.be.greaterThan(2);
    let findings = "";
    try {
      execFileSync("shellcheck", ["--shell=bash", "--severity=style", ...scripts], { encoding: "utf8" });
    } catch (e) {
      findings = (e as { stdout?: string }).stdout ?? String(e);
    }
    expect(findings).to.equal("");
  });
});
