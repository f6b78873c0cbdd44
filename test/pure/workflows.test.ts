// The CI definitions (.github/workflows): each file is a valid workflow by GitHub's own parser and
// schema (@actions/workflow-parser, from actions/languageservices, the validator of GitHub's
// Actions VS Code extension), and each does what README promises: the test workflow runs .ci/run
// in a privileged debian:12 container; the e2e workflow installs the pinned kind and the Pulumi CLI
// matching the SDK, runs `npm run e2e` and uploads the timings file it writes, also on failure.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { KIND_VERSION } from "../../ops/lib/prerequisites";

const ROOT = path.join(__dirname, "..", "..");
const WORKFLOWS = path.join(ROOT, ".github", "workflows");

/** Validation messages of GitHub's workflow parser and converter; empty when the workflow is valid. */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  // ESM-only (its exports have an `import` condition only), so loaded with import(), not require().
  const parser: typeof import("@actions/workflow-parser") = await import("@actions/workflow-parser");
  const parsed = parser.parseWorkflow({ name, content }, new parser.NoOperationTraceWriter());
  if (parsed.value && parsed.context.errors.getErrors().length === 0) {
    // The conversion checks what the schema cannot: job references, matrix, expressions in context.
    await parser.convertWorkflowTemplate(parsed.context, parsed.value);
  }
  return parsed.context.errors.getErrors().map((e) => e.message);
}

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  "working-directory"?: string;
}
interface Workflow {
  env?: Record<string, string>;
  jobs: Record<string, { container?: { image?: string; options?: string }; env?: Record<string, string>; steps: Step[] }>;
}

const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
const load = (file: string) => yaml.load(read(file)) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps);
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));

describe("the CI workflows", function () {
  this.timeout(30000);

  const files = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));

  it("are test.yml and e2e.yml", () => {
    expect(files.sort()).to.deep.equal(["e2e.yml", "test.yml"]);
  });

  for (const file of files) {
    it(`${file} is a valid workflow by GitHub's workflow parser`, async () => {
      expect(await workflowErrors(file, read(file))).to.deep.equal([]);
    });
  }

  it("the parser refuses a broken workflow (the check can fail)", async () => {
    const broken = read("test.yml").replace("runs-on:", "runs_on:").replace("steps:", "stepz:");
    const errors = await workflowErrors("broken.yml", broken);
    expect(errors.join("\n")).to.contain("Unexpected value 'runs_on'");
    expect(errors.join("\n")).to.contain("Unexpected value 'stepz'");
  });

  it("every npm script the workflows run is defined in package.json", () => {
    const used = files.flatMap((f) => [...read(f).matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]));
    expect(used).to.not.be.empty;
    for (const script of used) expect(packageJson.scripts, `npm run ${script}`).to.have.property(script);
  });

  describe("test.yml", () => {
    const workflow = load("test.yml");

    it("runs .ci/run, README's test command, in a privileged debian:12 container", () => {
      const jobs = Object.values(workflow.jobs);
      expect(jobs).to.have.length(1);
      expect(jobs[0].container).to.deep.equal({ image: "debian:12", options: "--privileged" });
      expect(steps(workflow).map((s) => s.run?.trim())).to.include("bash .ci/run");
    });

    it("sets up a Node.js that satisfies package.json's engines (Debian 12's own is 18)", () => {
      const setup = steps(workflow).find((s) => s.uses?.startsWith("actions/setup-node@"));
      expect(setup?.with?.["node-version"]).to.equal("20");
      expect(packageJson.engines.node).to.equal(">=20.19");
    });

    it("checks out before it runs .ci/run, with git installed first", () => {
      const all = steps(workflow);
      const gitInstall = all.findIndex((s) => /apt-get install[\s\S]*\bgit\b/.test(s.run ?? ""));
      const checkout = all.findIndex((s) => s.uses?.startsWith("actions/checkout@"));
      const ciRun = all.findIndex((s) => s.run?.trim() === "bash .ci/run");
      expect(gitInstall).to.be.at.least(0);
      expect(gitInstall).to.be.below(checkout);
      expect(checkout).to.be.below(ciRun);
    });
  });

  describe("e2e.yml", () => {
    const workflow = load("e2e.yml");
    const all = steps(workflow);

    it("installs kind at the version the prerequisite check pins, and verifies its checksum", () => {
      expect(workflow.env?.KIND_VERSION).to.equal(KIND_VERSION);
      const install = all.find((s) => /kind-linux-amd64/.test(s.run ?? ""));
      expect(install?.run).to.contain("https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-amd64");
      expect(install?.run).to.contain("sha256sum -c -");
    });

    it("installs the Pulumi CLI of the SDK's version (package.json @pulumi/pulumi), checksum verified, on PATH", () => {
      expect(workflow.env?.PULUMI_VERSION).to.equal(packageJson.dependencies["@pulumi/pulumi"]);
      const install = all.find((s) => /pulumi-v\$\{PULUMI_VERSION\}-linux-x64\.tar\.gz/.test(s.run ?? ""));
      expect(install?.run).to.contain("sha256sum -c -");
      expect(install?.run).to.contain('>> "$GITHUB_PATH"');
    });

    it("runs npm run e2e after kind and the Pulumi CLI are installed, and uploads the timings file it names, even on failure", () => {
      const e2e = all.findIndex((s) => /^npm run e2e\b/.test(s.run ?? ""));
      const kind = all.findIndex((s) => /kind-linux-amd64/.test(s.run ?? ""));
      const pulumi = all.findIndex((s) => /pulumi-v\$\{PULUMI_VERSION\}/.test(s.run ?? ""));
      expect(e2e).to.be.greaterThan(Math.max(kind, pulumi));
      const timings = /--timings (\S+)/.exec(all[e2e].run!)?.[1];
      const upload = all.find((s) => s.uses?.startsWith("actions/upload-artifact@"));
      expect(upload?.with?.path).to.equal(timings);
      expect(upload?.if).to.equal("always()");
    });
  });
});
