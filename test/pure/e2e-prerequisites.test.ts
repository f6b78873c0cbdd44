// `npm run e2e` on a machine that lacks part of what it needs: it names exactly what is missing,
// exits non-zero and runs nothing (never a silent pass). The suite runs as `npm run e2e` would, on
// a PATH holding only the stand-ins of harness/fixtures/bin-e2e that each case grants.
import { expect } from "chai";
import { SETTINGS } from "../../config";
import { BACKUP_DEFAULTS } from "../../components/backup/cronjob";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";

const ROOT = path.join(__dirname, "..", "..");
const STAND_INS = path.join(__dirname, "..", "..", "harness", "fixtures", "bin-e2e");

describe("npm run e2e without its prerequisites", function () {
  this.timeout(60000);
  const roots: string[] = [];
  after(() => {
    for (const root of roots) fs.rmSync(root, { recursive: true, force: true });
  });

  /** Runs e2e/run.ts with only `tools` on PATH; TMPDIR and HOME of its own show whether it started anything. */
  function e2e(tools: string[], env: Record<string, string> = {}, args: string[] = []) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "kz-e2e-prereq-"));
    roots.push(root);
    const dirs = {
      bin: path.join(root, "bin"),
      state: path.join(root, "state"),
      tmp: path.join(root, "tmp"),
      home: path.join(root, "home"),
    };
    for (const dir of Object.values(dirs)) fs.mkdirSync(dir);
    for (const tool of tools) fs.symlinkSync(path.join(STAND_INS, tool), path.join(dirs.bin, tool));
    const result = spawnSync(process.execPath, ["--import", "tsx", path.join(ROOT, "e2e", "run.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: dirs.bin, HOME: dirs.home, TMPDIR: dirs.tmp, FAKE_BIN_STATE: dirs.state, ...env },
      encoding: "utf8",
      timeout: 60000,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const callsFile = path.join(dirs.state, "calls");
    return {
      status: result.status,
      out: result.stdout + result.stderr,
      calls: fs.existsSync(callsFile) ? fs.readFileSync(callsFile, "utf8").trimEnd().split("\n") : [],
      // The suite's stack lives in TMPDIR/kz-e2e-*; the Pulumi CLI would also write under HOME/.pulumi.
      startedSomething: fs.readdirSync(dirs.tmp).some((f) => f.startsWith("kz-e2e-")) || fs.existsSync(path.join(dirs.home, ".pulumi")),
    };
  }

  /** Only the probes of the prerequisite check: no cluster, no stack, no pulumi operation. */
  const onlyProbes = (calls: string[]) =>
    calls.every((c) => /^(docker info|docker manifest inspect|kind version|pulumi version)\b/.test(c));

  for (const missing of ["docker", "kind", "pulumi"]) {
    it(`without ${missing} it says ${missing} is missing, exits 2 and starts nothing`, () => {
      const run = e2e(["docker", "kind", "pulumi"].filter((t) => t !== missing));
      expect(run.status).to.equal(2);
      expect(run.out).to.match(new RegExp(`MISSING ${missing}: `));
      expect(run.out.match(/MISSING/g)).to.have.length(1);
      expect(run.out).to.contain(`The end-to-end suite cannot run: ${missing} missing`);
      expect(run.out).to.contain("nothing passed");
      expect(onlyProbes(run.calls), run.calls.join("\n")).to.equal(true);
      expect(run.startedSomething).to.equal(false);
    });
  }

  it("with Docker installed but not running it says so (installed is not enough)", () => {
    const run = e2e(["docker", "kind", "pulumi"], { FAKE_DOCKER: "stopped" });
    expect(run.status).to.equal(2);
    expect(run.out).to.contain("MISSING docker: docker is installed but not running");
  });

  it("with kind other than v0.32.0 it refuses and names the pinned version", () => {
    const run = e2e(["docker", "kind", "pulumi"], { FAKE_KIND_VERSION: "v0.30.0" });
    expect(run.status).to.equal(2);
    expect(run.out).to.contain("MISSING kind: kind v0.30.0 is installed, but this project pins kind v0.32.0");
  });

  it("with KIND_EXPERIMENTAL_PROVIDER=podman it asks for podman, not docker", () => {
    const run = e2e(["docker", "kind", "pulumi"], { KIND_EXPERIMENTAL_PROVIDER: "podman" });
    expect(run.status).to.equal(2);
    expect(run.out).to.contain(
      "MISSING podman: podman is not installed (not on PATH), and KIND_EXPERIMENTAL_PROVIDER=podman asks kind to use it",
    );
  });

  it("an image of the suite's stack that its registry does not have: named, exit 2, nothing started", () => {
    const run = e2e(["docker", "kind", "pulumi"], { FAKE_DOCKER_MANIFEST: "missing" });
    expect(run.status).to.equal(2);
    expect(run.out).to.contain(`MISSING image ${SETTINGS.image.default}: does not exist in its registry`);
    // The suite schedules backups, so the jobs' image is asked for too.
    expect(run.calls.filter((c) => c.startsWith("docker manifest"))).to.have.members([
      `docker manifest inspect ${SETTINGS.image.default}`,
      `docker manifest inspect ${BACKUP_DEFAULTS.image}`,
    ]);
    expect(onlyProbes(run.calls), run.calls.join("\n")).to.equal(true);
    expect(run.startedSomething).to.equal(false);
  });

  it("--help prints the usage and the exit codes, exit 0, and checks nothing", () => {
    const run = e2e(["docker", "kind", "pulumi"], {}, ["--help"]);
    expect(run.status).to.equal(0);
    expect(run.out).to.contain("usage: npm run e2e -- [--timings <file>]").and.contain("exit codes: 0 every phase passed");
    expect(run.calls).to.deep.equal([]);
  });

  it("with nothing installed it names docker, kind and pulumi together", () => {
    const run = e2e([]);
    expect(run.status).to.equal(2);
    expect(run.out).to.contain("The end-to-end suite cannot run: docker, kind, pulumi missing");
  });
});
