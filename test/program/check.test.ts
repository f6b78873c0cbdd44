// `npm run check` as a new user runs it: no Pulumi CLI on PATH, no cluster, no network. It refuses
// what `pulumi up` refuses (the CLI's own rules first, then every setting at once), never prints a
// secret's value, writes nothing for a stack with problems, and for one that passes writes the
// objects the program registers and the servers' files.
import { expect } from "chai";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { ROOT } from "../../harness/pulumi-cli";
import { runProgram } from "../../harness/mocks";
import { stackConfig } from "../../harness/stack-files";
import { kindMemoryWarning } from "../../config/advice";
import { SECRET_PLACEHOLDER } from "../../ops/lib/check-render";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe("npm run check: a stack's settings checked and rendered without the Pulumi CLI or a cluster", function () {
  this.timeout(60000);
  let project: string;

  /** ops/check.ts in a copy of the project, with a PATH of node alone (no pulumi, no kubectl, no docker). */
  function check(args: string[] = []): Run {
    const r = spawnSync(process.execPath, ["--import", "tsx", path.join(project, "ops", "check.ts"), ...args], {
      cwd: project,
      env: { PATH: path.dirname(process.execPath), HOME: project },
      encoding: "utf8",
      timeout: 60000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }
  const out = (stack = "dev") => path.join(project, "rendered", `check-${stack}`);

  beforeEach(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "kz-check-"));
    for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\.[\w-]+)?\.yaml$/.test(f)))
      fs.copyFileSync(path.join(ROOT, f), path.join(project, f));
    for (const link of ["node_modules", "ops", "components", "config", "index.ts", "package.json", "tsconfig.json"]) {
      fs.symlinkSync(path.join(ROOT, link), path.join(project, link));
    }
  });
  afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

  it("the dev stack passes: exit 0, and it writes each object the program registers and the servers' zoo.cfg and scripts", async () => {
    const run = check();
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("stack dev: every setting passes.");
    const written = fs
      .readdirSync(path.join(out(), "manifests"))
      .map((f) => yaml.load(fs.readFileSync(path.join(out(), "manifests", f), "utf8")) as any);
    const mocked = (await runProgram("dev", stackConfig("dev"))).resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs.kind);
    expect(written.map((o) => `${o.kind}/${o.metadata.name}`).sort()).to.deep.equal(
      mocked.map((r) => `${r.inputs.kind}/${r.inputs.metadata.name}`).sort(),
    );
    const configMap = written.find((o) => o.kind === "ConfigMap" && o.data?.["zoo.cfg"]);
    for (const [name, content] of Object.entries(configMap.data))
      expect(fs.readFileSync(path.join(out(), "files", name), "utf8"), name).to.equal(content);
    expect(fs.statSync(path.join(out(), "files", "start-zookeeper.sh")).mode & 0o111).to.not.equal(0);
  });

  it("every stack file as committed passes", () => {
    for (const stack of ["dev", "render"]) {
      const run = check(["--stack", stack]);
      expect(run.code, `${stack}: ${run.stderr}`).to.equal(0);
    }
  });

  it("a value of the wrong type is refused with the Pulumi CLI's own message, before the program runs; nothing is written", () => {
    const run = check(["--set", "replicas=three"]);
    expect(run.code).to.equal(1);
    expect(run.stderr)
      .to.contain("the Pulumi CLI would refuse it before the program runs")
      .and.contain("Stack 'dev' with configuration key 'replicas' must be of type 'integer'");
    expect(fs.existsSync(out())).to.equal(false);
  });

  it("every bad setting at once, one line each with the fix; a secret's value is never printed; nothing is written", () => {
    const run = check([
      "--set",
      "tls=maybe",
      "--set",
      "replicas=2",
      "--set",
      "pdbMaxUnavailable=3",
      "--set",
      "clientAuth=digest",
      "--set-secret",
      "clientUsers=alice-no-colon-S3cret",
    ]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.contain("the stack configuration has 3 problems");
    expect(run.stderr).to.match(/- tls: must be one of off, accept, prefer, on, got "maybe"/);
    expect(run.stderr).to.match(/- pdbMaxUnavailable: .*got 3 \(pulumi config set pdbMaxUnavailable 0\)/);
    expect(run.stderr).to.match(/- clientUsers: .*got \[secret\] \(pulumi config set --secret clientUsers /);
    expect(run.stderr + run.stdout).to.not.contain("S3cret");
    expect(fs.existsSync(out())).to.equal(false);
  });

  it("a secret setting given plainly is refused as pulumi up refuses it; given as a secret it passes and is not written", () => {
    const plain = check(["--set", "clientAuth=digest", "--set", "clientUsers=app:app-Pa55word-1"]);
    expect(plain.code).to.equal(1);
    expect(plain.stderr).to.contain("clientUsers: must be set with --secret").and.not.contain("app-Pa55word-1");
    const secret = check(["--set", "clientAuth=digest", "--set-secret", "clientUsers=app:app-Pa55word-1"]);
    expect(secret.code, secret.stderr).to.equal(0);
    const all = fs.readdirSync(path.join(out(), "manifests")).map((f) => fs.readFileSync(path.join(out(), "manifests", f), "utf8"));
    expect(all.join("\n")).to.not.contain("app-Pa55word-1");
    expect(all.join("\n")).to.contain(SECRET_PLACEHOLDER);
  });

  it("an encrypted value in the stack file is not decrypted: a valid value stands in for it, and it says so", () => {
    fs.writeFileSync(
      path.join(project, "Pulumi.dev.yaml"),
      "config:\n  kind-zookeeper:clientAuth: digest\n  kind-zookeeper:clientUsers:\n    secure: v1:AAAA:BBBB\n",
    );
    const run = check();
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain("Not decrypted (a valid value stood in for each): clientUsers.");
  });

  it("a command line it does not take is exit 2 with the usage; so is a folder of someone else's", () => {
    for (const args of [["--bogus"], ["--set", "replicas"], ["--stack"]]) {
      const run = check(args);
      expect(run.code, args.join(" ")).to.equal(2);
      expect(run.stderr, args.join(" ")).to.contain("usage: npm run check");
    }
    fs.mkdirSync(path.join(project, "mine"));
    fs.writeFileSync(path.join(project, "mine", "notes.txt"), "keep");
    const run = check(["--out", "mine"]);
    expect(run.code).to.equal(2);
    expect(run.stderr).to.contain("holds files npm run check did not write");
    expect(fs.readFileSync(path.join(project, "mine", "notes.txt"), "utf8")).to.equal("keep");
    expect(check(["--help"]).code).to.equal(0);
  });

  it("a second check writes its folder afresh (a file of the first render that the second has not is gone)", () => {
    expect(check(["--set", "backupSchedule=0 3 * * *"]).code).to.equal(0);
    const withBackup = fs.readdirSync(path.join(out(), "manifests"));
    expect(check().code).to.equal(0);
    const without = fs.readdirSync(path.join(out(), "manifests"));
    expect(withBackup.filter((f) => f.includes("cronjob"))).to.have.length(1);
    expect(without.filter((f) => f.includes("cronjob"))).to.deep.equal([]);
  });

  it("on kind, a heap whose servers cannot fit this machine's memory is a warning that names the sizes and the fix", () => {
    const run = check(["--set", "heap=100000g"]);
    expect(run.code).to.equal(0);
    expect(run.stderr).to.match(
      /^warning: each server asks for \d+Mi of memory .* more than this machine has in all .*pulumi config set heap/m,
    );
  });
});

describe("docs/settings.md's npm run check sample", function () {
  this.timeout(60000);
  it("is what the commands print", () => {
    const readme = fs.readFileSync(path.join(ROOT, "docs", "settings.md"), "utf8");
    const block = readme.split("<!-- check sample")[1].split("```")[1].trim().split("\n");
    const runs = block.reduce<{ args: string[]; expected: string[] }[]>((acc, line) => {
      if (line.startsWith("$ npm run check -- ")) acc.push({ args: line.slice("$ npm run check -- ".length).split(" "), expected: [] });
      else acc.at(-1)!.expected.push(line);
      return acc;
    }, []);
    expect(runs).to.have.length(2);
    for (const { args, expected } of runs) {
      const r = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "ops", "check.ts"), ...args], {
        cwd: ROOT,
        encoding: "utf8",
        timeout: 60000,
      });
      expect((r.stdout + r.stderr).trimEnd().split("\n"), args.join(" ")).to.deep.equal(expected);
    }
  });
});

describe("the kind memory warning", () => {
  const GiB = 2 ** 30;
  it("none while the servers fit; one for servers that together exceed the machine; another for a server that alone does", () => {
    expect(kindMemoryWarning("1024Mi", 3, 16 * GiB)).to.equal(undefined);
    expect(kindMemoryWarning("6Gi", 3, 16 * GiB)).to.contain(
      "the 3 servers ask for 18.0 GiB of memory together (6Gi each), more than this machine has (16.0 GiB)",
    );
    expect(kindMemoryWarning("20Gi", 3, 16 * GiB)).to.contain(
      "each server asks for 20Gi of memory (20.0 GiB), more than this machine has in all (16.0 GiB)",
    );
  });
});
