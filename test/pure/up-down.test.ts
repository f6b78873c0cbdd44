// `npm run up` and `npm run down` as a newcomer runs them, against stand-in docker, kind and pulumi
// (harness/fixtures/bin-e2e) on a PATH that holds nothing else: what each says when a prerequisite is
// missing, which backend and passphrase the pulumi commands get, the order of the commands, and
// when pulumi is asked to confirm. Each case runs the real script in a project folder of its own
// (Pulumi.yaml, the stack files, a stand-in ops/verify.ts) with a HOME of its own.
import { expect } from "chai";
import { SETTINGS } from "../../config";
import { BACKUP_DEFAULTS } from "../../components/backup/cronjob";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";

const ROOT = path.join(__dirname, "..", "..");
const STAND_INS = path.join(__dirname, "..", "..", "harness", "fixtures", "bin-e2e");

// Records its arguments and backend variables, and exits with FAKE_VERIFY_EXIT.
const VERIFY_STAND_IN = `import * as fs from "fs";
fs.appendFileSync(process.env.FAKE_BIN_STATE + "/calls", "verify " + process.argv.slice(2).join(" ") + "\\n");
fs.appendFileSync(process.env.FAKE_BIN_STATE + "/pulumi-env", "verify|PULUMI_BACKEND_URL=" + (process.env.PULUMI_BACKEND_URL ?? "") + "|PULUMI_CONFIG_PASSPHRASE_FILE=" + (process.env.PULUMI_CONFIG_PASSPHRASE_FILE ?? "") + "\\n");
process.exitCode = Number(process.env.FAKE_VERIFY_EXIT ?? 0);
`;

interface Sandbox {
  root: string;
  project: string;
  home: string;
  state: string;
  bin: string;
  calls(): string[];
  /** Per pulumi (and verify) call: the backend variables it saw. */
  pulumiEnv(): Record<string, string>[];
}

function sandbox(tools: string[] = ["docker", "kind", "pulumi"]): Sandbox {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "kz-up-down-"));
  const dirs = {
    project: path.join(root, "project"),
    home: path.join(root, "home"),
    state: path.join(root, "state"),
    bin: path.join(root, "bin"),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
  for (const tool of tools) fs.symlinkSync(path.join(STAND_INS, tool), path.join(dirs.bin, tool));
  for (const file of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\.[\w-]+)?\.yaml$/.test(f))) {
    fs.copyFileSync(path.join(ROOT, file), path.join(dirs.project, file));
  }
  // tsx resolves from the project folder, as it does under `npm run`.
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dirs.project, "node_modules"));
  fs.mkdirSync(path.join(dirs.project, "ops"));
  fs.writeFileSync(path.join(dirs.project, "ops", "verify.ts"), VERIFY_STAND_IN);
  const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8").trimEnd().split("\n") : []);
  return {
    root,
    ...dirs,
    calls: () => lines(path.join(dirs.state, "calls")),
    pulumiEnv: () =>
      lines(path.join(dirs.state, "pulumi-env")).map((line) => {
        const [call, ...pairs] = line.split("|");
        return { call, ...Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)])) };
      }),
  };
}

interface Run {
  status: number | null;
  out: string;
}

/** Runs ops/<script>.ts in the sandbox's project with no terminal, as CI or a pipe would. */
function runScript(box: Sandbox, script: "up" | "down", args: string[] = [], env: Record<string, string> = {}): Run {
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "ops", `${script}.ts`), ...args], {
    cwd: box.project,
    env: { PATH: box.bin, HOME: box.home, FAKE_BIN_STATE: box.state, ...env },
    encoding: "utf8",
    timeout: 60000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

/** Runs ops/<script>.ts on a pseudo-terminal (util-linux `script`), as a person at a shell would. */
function runOnTerminal(box: Sandbox, script: "up" | "down", env: Record<string, string> = {}): Run {
  const command = [process.execPath, "--import", "tsx", path.join(ROOT, "ops", `${script}.ts`)].map((a) => `'${a}'`).join(" ");
  const result = spawnSync("/usr/bin/script", ["-qec", command, "/dev/null"], {
    cwd: box.project,
    env: { PATH: box.bin, HOME: box.home, FAKE_BIN_STATE: box.state, SHELL: "/bin/sh", TERM: "xterm", ...env },
    encoding: "utf8",
    timeout: 60000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return { status: result.status, out: result.stdout + result.stderr };
}

describe("npm run up / npm run down with stand-in docker, kind and pulumi", function () {
  this.timeout(120000);
  const boxes: Sandbox[] = [];
  const box = (tools?: string[]) => {
    const b = sandbox(tools);
    boxes.push(b);
    return b;
  };
  after(() => {
    for (const b of boxes) fs.rmSync(b.root, { recursive: true, force: true });
  });

  describe("prerequisites", () => {
    it("without docker it names docker and how to install it, and runs no pulumi command", () => {
      const b = box(["kind", "pulumi"]);
      const run = runScript(b, "up");
      expect(run.status).to.equal(2);
      expect(run.out).to.match(/MISSING docker: docker is not installed.*install Docker Engine/);
      expect(run.out).to.contain("ok      kind: kind v0.32.0");
      expect(b.calls().filter((c) => c.startsWith("pulumi ") && !c.startsWith("pulumi version"))).to.deep.equal([]);
    });

    it("with docker installed but its daemon stopped it says Docker is not running and how to start it", () => {
      const b = box();
      const run = runScript(b, "up", [], { FAKE_DOCKER: "stopped" });
      expect(run.status).to.equal(2);
      expect(run.out).to.contain("MISSING docker: docker is installed but not running (Cannot connect to the Docker daemon");
      expect(run.out).to.contain("sudo systemctl start docker");
    });

    it("when the docker socket refuses the user it says how to get access", () => {
      const b = box();
      const run = runScript(b, "up", [], { FAKE_DOCKER: "denied" });
      expect(run.status).to.equal(2);
      expect(run.out).to.contain("docker is installed but you may not use it");
      expect(run.out).to.contain("usermod -aG docker");
    });

    it("without kind it names the pinned version and where to get it", () => {
      const b = box(["docker", "pulumi"]);
      const run = runScript(b, "up");
      expect(run.status).to.equal(2);
      expect(run.out).to.contain("MISSING kind: kind is not installed (not on PATH): install kind v0.32.0");
      expect(run.out).to.contain("https://kind.sigs.k8s.io/dl/v0.32.0/kind-");
    });

    it("with another kind version it refuses and names v0.32.0", () => {
      const b = box();
      const run = runScript(b, "up", [], { FAKE_KIND_VERSION: "v0.31.0" });
      expect(run.status).to.equal(2);
      expect(run.out).to.contain("MISSING kind: kind v0.31.0 is installed, but this project pins kind v0.32.0");
    });

    it("without the Pulumi CLI it says how to install it", () => {
      const b = box(["docker", "kind"]);
      const run = runScript(b, "up");
      expect(run.status).to.equal(2);
      expect(run.out).to.contain("MISSING pulumi: the Pulumi CLI is not installed");
      expect(run.out).to.contain("get.pulumi.com");
    });

    it("with nothing installed it names all three in one run", () => {
      const run = runScript(box([]), "up");
      expect(run.status).to.equal(2);
      expect(run.out.match(/MISSING/g)).to.have.length(3);
      expect(run.out).to.contain("3 prerequisite(s) missing");
    });

    it("asks the registry for the stack's images once the tools are there: the ZooKeeper image, and the jobs' image where jobs run", () => {
      const b = box();
      expect(runScript(b, "up").status).to.equal(0);
      expect(b.calls().filter((c) => c.startsWith("docker manifest"))).to.deep.equal([`docker manifest inspect ${SETTINGS.image.default}`]);
      fs.writeFileSync(
        path.join(b.project, "Pulumi.custom.yaml"),
        "config:\n  kind-zookeeper:image: zookeeper:3.9.5\n  kind-zookeeper:backupSchedule: 0 3 * * *\n",
      );
      const run = runScript(b, "up", ["--stack", "custom"]);
      expect(run.status, run.out).to.equal(0);
      expect(run.out).to.contain("ok      image zookeeper:3.9.5: exists in its registry");
      expect(
        b
          .calls()
          .filter((c) => c.startsWith("docker manifest"))
          .slice(1),
      ).to.have.members(["docker manifest inspect zookeeper:3.9.5", `docker manifest inspect ${BACKUP_DEFAULTS.image}`]);
    });

    it("an image tag the registry does not have stops the deploy before anything is made, naming the image", () => {
      const b = box();
      const run = runScript(b, "up", [], { FAKE_DOCKER_MANIFEST: "missing" });
      expect(run.status).to.equal(2);
      expect(run.out).to.contain(
        `MISSING image ${SETTINGS.image.default}: does not exist in its registry (no such manifest: docker.io/library/${SETTINGS.image.default})`,
      );
      expect(run.out).to.contain("Nothing was changed");
      expect(b.calls().filter((c) => c.startsWith("pulumi ") && !c.startsWith("pulumi version"))).to.deep.equal([]);
    });

    it("a registry it cannot reach is said plainly, and nothing is deployed", () => {
      const b = box();
      const run = runScript(b, "up", [], { FAKE_DOCKER_MANIFEST: "unreachable" });
      expect(run.status).to.equal(2);
      expect(run.out).to.contain(
        `MISSING image ${SETTINGS.image.default}: could not confirm that it exists (Get "https://registry-1.docker.io/v2/"`,
      );
      expect(b.calls().filter((c) => c.startsWith("pulumi ") && !c.startsWith("pulumi version"))).to.deep.equal([]);
    });

    it("a stack on an existing cluster needs neither docker nor kind", () => {
      const b = box(["pulumi"]);
      fs.writeFileSync(path.join(b.project, "Pulumi.onprem.yaml"), "config:\n  kind-zookeeper:clusterMode: existing\n");
      const run = runScript(b, "up", ["--stack", "onprem"]);
      expect(run.status, run.out).to.equal(0);
      expect(run.out).not.to.contain("MISSING");
    });

    it("down checks the same prerequisites before destroying a kind stack", () => {
      const b = box(["pulumi"]);
      const run = runScript(b, "down");
      expect(run.status).to.equal(2);
      expect(run.out).to.contain("MISSING docker");
      expect(run.out).to.contain("MISSING kind");
      expect(b.calls().filter((c) => c.startsWith("pulumi destroy"))).to.deep.equal([]);
    });
  });

  describe("the backend and the passphrase", () => {
    it("not logged in: a local backend in the project's .pulumi-state with a generated passphrase only the user can read", () => {
      const b = box();
      const run = runScript(b, "up");
      expect(run.status, run.out).to.equal(0);
      const stateDir = path.join(b.project, ".pulumi-state");
      const passphrase = path.join(stateDir, "passphrase");
      expect(fs.statSync(passphrase).mode & 0o777).to.equal(0o600);
      expect(fs.readFileSync(passphrase, "utf8").trim()).to.have.length.greaterThan(30);
      const calls = b.pulumiEnv().filter((c) => !c.call.startsWith("pulumi version"));
      expect(calls.map((c) => c.call)).to.deep.equal(["pulumi stack select --create dev", "pulumi up --stack dev --yes", "verify"]);
      for (const c of calls) {
        expect(c.PULUMI_BACKEND_URL, c.call).to.equal(`file://${stateDir}`);
        expect(c.PULUMI_CONFIG_PASSPHRASE_FILE, c.call).to.equal(passphrase);
      }
      expect(b.calls()).to.include("verify --stack dev");
      expect(b.calls().some((c) => /^pulumi (login|logout)/.test(c))).to.equal(false);
    });

    it("--replace <urn> (verify's repair of a drifted tenant) reaches pulumi up, once per URN given, then verify runs", () => {
      const b = box();
      const urn = "urn:pulumi:dev::kind-zookeeper::kind-zookeeper:index:ZooKeeperEnsemble$kubernetes:batch/v1:Job::zookeeper-tenants";
      const run = runScript(b, "up", ["--replace", urn]);
      expect(run.status, run.out).to.equal(0);
      const calls = b.pulumiEnv().filter((c) => !c.call.startsWith("pulumi version"));
      expect(calls.map((c) => c.call)).to.deep.equal([
        "pulumi stack select --create dev",
        `pulumi up --stack dev --yes --replace ${urn}`,
        "verify",
      ]);
    });

    it("a second run and down reuse the same passphrase", () => {
      const b = box();
      expect(runScript(b, "up").status).to.equal(0);
      const passphrase = fs.readFileSync(path.join(b.project, ".pulumi-state", "passphrase"), "utf8");
      expect(runScript(b, "up").status).to.equal(0);
      const down = runScript(b, "down");
      expect(down.status, down.out).to.equal(0);
      expect(fs.readFileSync(path.join(b.project, ".pulumi-state", "passphrase"), "utf8")).to.equal(passphrase);
      const destroy = b.pulumiEnv().find((c) => c.call.startsWith("pulumi destroy"))!;
      expect(destroy.call).to.equal("pulumi destroy --stack dev --yes");
      expect(destroy.PULUMI_BACKEND_URL).to.equal(`file://${path.join(b.project, ".pulumi-state")}`);
    });

    it("logged in to Pulumi Cloud: the user's backend, no local state, no passphrase file, credentials untouched", () => {
      const b = box();
      const credentials = path.join(b.home, ".pulumi", "credentials.json");
      fs.mkdirSync(path.dirname(credentials));
      const content = JSON.stringify({ current: "https://api.pulumi.com", accessTokens: { "https://api.pulumi.com": "pul-x" } });
      fs.writeFileSync(credentials, content);
      const run = runScript(b, "up");
      expect(run.status, run.out).to.equal(0);
      expect(run.out).to.contain("the backend you are logged in to (https://api.pulumi.com)");
      expect(fs.existsSync(path.join(b.project, ".pulumi-state"))).to.equal(false);
      for (const c of b.pulumiEnv()) {
        expect(c.PULUMI_BACKEND_URL ?? "", c.call).to.equal("");
        expect(c.PULUMI_CONFIG_PASSPHRASE_FILE ?? "", c.call).to.equal("");
      }
      expect(fs.readFileSync(credentials, "utf8")).to.equal(content);
    });

    it("PULUMI_BACKEND_URL set by the user: passed on unchanged, nothing generated", () => {
      const b = box();
      const run = runScript(b, "up", [], { PULUMI_BACKEND_URL: "s3://team-state" });
      expect(run.status, run.out).to.equal(0);
      expect(fs.existsSync(path.join(b.project, ".pulumi-state"))).to.equal(false);
      for (const c of b.pulumiEnv()) expect(c.PULUMI_BACKEND_URL, c.call).to.equal("s3://team-state");
    });
  });

  describe("confirmation and outcome", () => {
    it("on a terminal pulumi up runs without --yes, so pulumi shows its preview and asks", () => {
      const b = box();
      const run = runOnTerminal(b, "up");
      expect(run.status, run.out).to.equal(0);
      const upCall = b.pulumiEnv().find((c) => c.call.startsWith("pulumi up"))!;
      expect(upCall.call).to.equal("pulumi up --stack dev");
      expect(upCall.interactive).to.equal("yes");
    });

    it("with CI set it passes --yes even on a terminal, where pulumi would refuse to ask", () => {
      const b = box();
      const run = runOnTerminal(b, "up", { CI: "true" });
      expect(run.status, run.out).to.equal(0);
      expect(b.calls()).to.include("pulumi up --stack dev --yes");
    });

    it("--stack picks another stack for select, up and verify", () => {
      const b = box();
      expect(runScript(b, "up", ["--stack", "staging"]).status).to.equal(0);
      expect(b.calls()).to.include.members([
        "pulumi stack select --create staging",
        "pulumi up --stack staging --yes",
        "verify --stack staging",
      ]);
    });

    it("a failed pulumi up stops there: exit 1, no verify", () => {
      const b = box();
      const run = runScript(b, "up", [], { FAKE_PULUMI_FAIL: "up" });
      expect(run.status).to.equal(1);
      expect(run.out).to.contain("pulumi up did not complete (exit code 255)");
      expect(b.calls().some((c) => c.startsWith("verify"))).to.equal(false);
    });

    it("a render stack: pulumi up writes the manifests, no verify (nothing was deployed), exit 0, saying where they are", () => {
      const b = box();
      const run = runScript(b, "up", ["--stack", "render"]);
      expect(run.status, run.out).to.equal(0);
      expect(b.calls()).to.include("pulumi up --stack render --yes");
      expect(b.calls().some((c) => c.startsWith("verify"))).to.equal(false);
      expect(run.out).to.contain("Stack render rendered its manifests to rendered: nothing was deployed");
    });

    it("a degraded ensemble: up exits with verify's code 3 and says so", () => {
      const b = box();
      const run = runScript(b, "up", [], { FAKE_VERIFY_EXIT: "3" });
      expect(run.status).to.equal(3);
      expect(run.out).to.contain("Deployed, but degraded");
    });

    for (const script of ["up", "down"] as const) {
      it(`${script} --help prints the usage and the exit codes, exit 0, and runs nothing`, () => {
        const b = box();
        const run = runScript(b, script, ["--help"]);
        expect(run.status).to.equal(0);
        expect(run.out).to.contain(`usage: npm run ${script} -- [--stack <name>] [--yes]`).and.contain("exit codes: 0 ");
        expect(b.calls()).to.deep.equal([]);
      });
    }

    it("an unknown argument is refused with the usage: exit 2, nothing run", () => {
      const b = box();
      const run = runScript(b, "up", ["--force"]);
      expect(run.status).to.equal(2);
      expect(b.calls()).to.deep.equal([]);
      expect(run.out).to.contain("up: unknown option '--force'");
      expect(run.out).to.contain("usage: npm run up -- [--stack <name>] [--yes]");
    });

    it("down says the kind cluster and its data go with the stack", () => {
      const b = box();
      const run = runScript(b, "down");
      expect(run.status, run.out).to.equal(0);
      expect(run.out).to.contain("its kind cluster goes with it, and the ZooKeeper data in it");
      expect(run.out).to.contain("pulumi stack rm dev");
    });
  });
});
