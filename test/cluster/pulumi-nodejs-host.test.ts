// The program as `pulumi up` loads it, from an install with production dependencies only.
//
// Rules (pulumi/pulumi v3.248.0):
// - sdk/nodejs/tsutils.ts typeScriptRequireStrings: the host requires the project's `typescript`
//   and falls back to its vendored typescript@3.8.3, which cannot parse `satisfies`;
// - sdk/nodejs/cmd/run/run.ts: ts-node is registered with the project's tsconfig.json and type-checks
//   unless PULUMI_NODEJS_TRANSPILE_ONLY is set, so every type the program's files need (including
//   tsconfig's `types`) must come from `dependencies`, never `devDependencies`.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { ROOT, readProject } from "../../harness/pulumi-cli";
import { stackConfig } from "../../harness/stack-files";

const run = promisify(execFile);

/** The program's own files: package metadata, Pulumi.yaml and what tsconfig.json includes. */
function programFiles(): string[] {
  const tsconfig = JSON.parse(fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8"));
  // "components/**/*.ts" is the folder components, "zk/facts/**/*.ts" the folder zk/facts.
  const roots = new Set<string>(
    (tsconfig.include as string[]).map((p) =>
      p
        .split("/")
        .filter((part) => !part.includes("*"))
        .join("/"),
    ),
  );
  return ["package.json", "package-lock.json", "tsconfig.json", "Pulumi.yaml", ...roots];
}

describe("contract: Pulumi's Node.js host runs the program from a production install", function () {
  this.timeout(180000);
  let dir: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-prod-"));
    for (const f of programFiles()) fs.cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "harness", "fixtures", "run-as-pulumi.js"), path.join(dir, "run-as-pulumi.js"));
    await run("npm", ["ci", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: dir,
      timeout: 150000,
    });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("the install has no package that only devDependencies need", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const lock = JSON.parse(fs.readFileSync(path.join(ROOT, "package-lock.json"), "utf8"));
    const devOnly = Object.keys(pkg.devDependencies).filter((d) => lock.packages[`node_modules/${d}`]?.dev === true);
    expect(devOnly).to.include.members(["mocha", "tsx", "@types/mocha"]);
    for (const dev of devOnly) expect(fs.existsSync(path.join(dir, "node_modules", dev)), dev).to.equal(false);
  });

  for (const stack of ["dev", "render"]) {
    it(`the ${stack} stack type-checks with the project's TypeScript and registers the ensemble`, async () => {
      const { stdout } = await run("node", ["run-as-pulumi.js", readProject().name, stack, JSON.stringify(stackConfig(stack))], {
        cwd: dir,
        timeout: 120000,
        env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "PULUMI_NODEJS_TRANSPILE_ONLY")),
      }).catch((e) => {
        throw new Error(`the program failed as Pulumi runs it:\n${e.stderr}`);
      });
      const result = JSON.parse(stdout.trim().split("\n").at(-1)!);
      expect(result.typescript, "the project's own TypeScript, not Pulumi's vendored 3.8").to.equal(
        path.join(dir, "node_modules", "typescript", "lib", "typescript.js"),
      );
      expect(result.registered).to.include("kubernetes:apps/v1:StatefulSet");
    });
  }
});
