// What `npm run up`, `npm run down` and `npm run e2e` need on the machine, checked before anything
// starts, so that a newcomer reads "Docker is installed but not running: start it" instead of a
// stack trace from the middle of `pulumi up`.
import { spawn } from "child_process";

/** The kind release this project is built and tested against: its default node image is pinned (config/settings.ts nodeImage). */
export const KIND_VERSION = "v0.32.0";

/** A tool the machine must have; `image`: an image the cluster will pull must exist (checkImages). */
export type Tool = "container-engine" | "kind" | "pulumi";
export type Prerequisite = Tool | "image";

export interface Finding {
  prerequisite: Prerequisite;
  /** The command looked for: docker, podman, kind, pulumi. */
  tool: string;
  ok: boolean;
  /** What was found (a version), or what is wrong and how to get it. */
  message: string;
}

interface Run {
  /** undefined: the command is not on PATH. */
  code?: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a tool briefly; a tool that is not installed resolves with no code rather than throwing. */
function run(tool: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(tool, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.on("error", () => {
      clearTimeout(timer);
      resolve({ code: undefined, stdout, stderr, timedOut });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

const firstLine = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .find(Boolean) ?? "";

/**
 * The container engine kind will use: KIND_EXPERIMENTAL_PROVIDER when set to one kind knows
 * (kubernetes-sigs/kind v0.32.0 pkg/internal/runtime/runtime.go GetDefault), else docker, which
 * kind's auto-detection tries first (pkg/cluster/provider.go DetectNodeProvider).
 */
export function containerEngine(env: NodeJS.ProcessEnv): string {
  const chosen = env.KIND_EXPERIMENTAL_PROVIDER;
  return chosen && ["docker", "podman", "nerdctl", "finch", "nerdctl.lima"].includes(chosen) ? chosen : "docker";
}

async function checkEngine(env: NodeJS.ProcessEnv): Promise<Finding> {
  const tool = containerEngine(env);
  const finding = (ok: boolean, message: string): Finding => ({ prerequisite: "container-engine", tool, ok, message });
  // `docker info` with a --format exits 0 even when the daemon does not answer; it then prints an
  // empty field and the error on stderr (docker/cli cli/command/system/info.go runInfo). So a
  // running daemon is one that reports its version.
  const probe = tool === "docker" ? await run(tool, ["info", "--format", "{{.ServerVersion}}"], env) : await run(tool, ["info"], env);
  if (probe.code === undefined) {
    return finding(
      false,
      tool === "docker"
        ? "docker is not installed (not on PATH). kind runs its nodes as Docker containers: install Docker Engine " +
            "(https://docs.docker.com/engine/install/) or Docker Desktop, or use Podman with KIND_EXPERIMENTAL_PROVIDER=podman."
        : `${tool} is not installed (not on PATH), and KIND_EXPERIMENTAL_PROVIDER=${tool} asks kind to use it: install it, or unset KIND_EXPERIMENTAL_PROVIDER to use Docker.`,
    );
  }
  const version = firstLine(probe.stdout);
  if (probe.code === 0 && version && !probe.timedOut) return finding(true, `${tool} ${version} running`);
  const said = firstLine(probe.stderr) || (probe.timedOut ? "no answer within 20 s" : `exit code ${probe.code}`);
  if (/permission denied/i.test(probe.stderr)) {
    return finding(
      false,
      `${tool} is installed but you may not use it (${said}). Add yourself to the docker group ` +
        "(sudo usermod -aG docker $USER) and log in again, or run Docker rootless.",
    );
  }
  return finding(
    false,
    `${tool} is installed but not running (${said}). Start it: Docker Desktop, or on Linux \`sudo systemctl start ${tool}\`.`,
  );
}

/** kind's release file for this machine, as the quick start names them (kind-linux-amd64, kind-darwin-arm64, ...). */
function kindDownload(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  return `https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-${os}-${arch}`;
}

const KIND_INSTALL =
  `install kind ${KIND_VERSION}: \`go install sigs.k8s.io/kind@${KIND_VERSION}\`, or download ${kindDownload()} ` +
  "to a folder on PATH as `kind` and make it executable (https://kind.sigs.k8s.io/docs/user/quick-start/#installation).";

async function checkKind(env: NodeJS.ProcessEnv): Promise<Finding> {
  const finding = (ok: boolean, message: string): Finding => ({ prerequisite: "kind", tool: "kind", ok, message });
  const probe = await run("kind", ["version"], env);
  if (probe.code === undefined) return finding(false, `kind is not installed (not on PATH): ${KIND_INSTALL}`);
  // `kind version` prints "kind v0.32.0 go1.25.5 linux/amd64" (kind v0.32.0 pkg/cmd/kind/version/version.go).
  const found = /\bv\d+\.\d+\.\d+\S*/.exec(probe.stdout)?.[0];
  if (probe.code !== 0 || !found) {
    return finding(false, `\`kind version\` failed (${firstLine(probe.stderr) || `exit code ${probe.code}`}): ${KIND_INSTALL}`);
  }
  if (found !== KIND_VERSION) {
    return finding(
      false,
      `kind ${found} is installed, but this project pins kind ${KIND_VERSION} (its node image, kindest/node v1.36.1, is built for that release): ${KIND_INSTALL}`,
    );
  }
  return finding(true, `kind ${found}`);
}

async function checkPulumi(env: NodeJS.ProcessEnv): Promise<Finding> {
  const finding = (ok: boolean, message: string): Finding => ({ prerequisite: "pulumi", tool: "pulumi", ok, message });
  const install =
    "install the Pulumi CLI: `curl -fsSL https://get.pulumi.com | sh` (https://www.pulumi.com/docs/iac/download-install/), then open a new shell.";
  const probe = await run("pulumi", ["version"], env);
  if (probe.code === undefined) return finding(false, `the Pulumi CLI is not installed (pulumi is not on PATH): ${install}`);
  const found = /\bv?(\d+)\.\d+\.\d+\S*/.exec(probe.stdout);
  if (probe.code !== 0 || !found) {
    return finding(false, `\`pulumi version\` failed (${firstLine(probe.stderr) || `exit code ${probe.code}`}): ${install}`);
  }
  if (Number(found[1]) < 3) return finding(false, `the Pulumi CLI ${found[0]} is too old for @pulumi/pulumi 3: ${install}`);
  return finding(true, `pulumi ${found[0]}`);
}

const CHECKS: Record<Tool, (env: NodeJS.ProcessEnv) => Promise<Finding>> = {
  "container-engine": checkEngine,
  kind: checkKind,
  pulumi: checkPulumi,
};

/** Checks each prerequisite (all of them, so that one run names everything that is missing). */
export function checkPrerequisites(needed: Tool[], env: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  return Promise.all(needed.map((p) => CHECKS[p](env)));
}

/** The report a user reads: one line per prerequisite, marked ok or MISSING. */
export function describeFindings(findings: Finding[]): string {
  return findings.map((f) => `  ${f.ok ? "ok     " : "MISSING"} ${f.tool}: ${f.message}`).join("\n");
}

/** What a stack's `pulumi up` or `destroy` runs: kind mode drives kind, which drives the container engine. */
export function prerequisitesFor(clusterMode: string): Tool[] {
  return clusterMode === "kind" ? ["container-engine", "kind", "pulumi"] : ["pulumi"];
}

/**
 * Whether each image the cluster will pull exists in its registry, asked before anything is created
 * (a tag that does not exist would otherwise show up as pods stuck in ImagePullBackOff while
 * `pulumi up` waits 10 minutes for the StatefulSet). `docker manifest inspect` asks the registry
 * itself, with the user's registry credentials, and prints "no such manifest: <ref>" for a tag the
 * registry does not have (docker/cli cli/command/manifest/inspect.go); other engines have no such
 * command with the same meaning, so there the check says it did not run.
 */
export async function checkImages(images: string[], env: NodeJS.ProcessEnv = process.env): Promise<Finding[]> {
  const engine = containerEngine(env);
  const finding = (image: string, ok: boolean, message: string): Finding => ({
    prerequisite: "image",
    tool: `image ${image}`,
    ok,
    message,
  });
  if (engine !== "docker") {
    return images.map((image) =>
      finding(image, true, `not checked (only docker's manifest inspect asks the registry); the nodes pull it at deploy`),
    );
  }
  return Promise.all(
    images.map(async (image) => {
      const probe = await run(engine, ["manifest", "inspect", image], env, 30000);
      if (probe.code === 0 && !probe.timedOut) return finding(image, true, "exists in its registry");
      const said = firstLine(probe.stderr) || (probe.timedOut ? "no answer within 30 s" : `exit code ${probe.code}`);
      if (/no such manifest|manifest unknown|not found/i.test(probe.stderr)) {
        return finding(image, false, `does not exist in its registry (${said}): choose a tag that exists.`);
      }
      return finding(
        image,
        false,
        `could not confirm that it exists (${said}). The cluster's nodes pull it from the same registry: check the network ` +
          "(and `docker login` for a private registry), then run again.",
      );
    }),
  );
}
