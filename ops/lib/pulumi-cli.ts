// Runs the pulumi CLI for the project's commands with the backend decided in backend.ts, so `up`,
// `down` and `verify` all see the same stacks. The backend travels as environment variables only:
// with PULUMI_BACKEND_URL set the CLI opens that backend without storing it as the current login
// (pulumi/pulumi v3.248.0 pkg/cmd/pulumi/backend/backend.go CurrentBackend: setCurrent only when no
// URL is set), so the user's own `pulumi login` is never touched.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { spawn } from "child_process";
import { pulumiBackend, PulumiBackend } from "./backend";
import { prepareToolProject } from "./tool-project";

export interface ProjectPulumi {
  projectDir: string;
  /**
   * Where pulumi runs for the stack: with the project's local backend the tool's folder
   * (tool-project.ts), so no tracked file changes; with the user's own backend the project's folder.
   */
  workDir: string;
  backend: PulumiBackend;
  /** The environment of every command run for the project: the user's, plus the backend's. */
  env: NodeJS.ProcessEnv;
}

/** The project in `projectDir` with its backend, ready for pulumi commands on `stack`; refuses a directory that holds no Pulumi project. */
export function projectPulumi(projectDir: string, stack: string, env: NodeJS.ProcessEnv = process.env): ProjectPulumi {
  if (!fs.existsSync(path.join(projectDir, "Pulumi.yaml"))) {
    throw new Error(`${projectDir} holds no Pulumi.yaml: run this from the project's folder (npm run sets it for you).`);
  }
  const backend = pulumiBackend(projectDir, env);
  const workDir = backend.local ? prepareToolProject(projectDir, stack) : projectDir;
  return { projectDir, workDir, backend, env: { ...env, ...backend.env } };
}

/**
 * Whether pulumi itself will prompt: it does only when stdin and stdout are terminals, TERM is not
 * dumb and no CI system is detected (pulumi/pulumi v3.248.0 sdk/go/common/util/cmdutil/console.go
 * Interactive). Where it will not prompt, `pulumi up` refuses to run without --yes.
 */
export function pulumiWillPrompt(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY) && env.TERM?.toLowerCase() !== "dumb" && !env.CI;
}

/** The project's settings as the stack file sets them (Pulumi.<stack>.yaml), by key without the project prefix; none without a file. */
export function stackFileSettings(projectDir: string, stack: string): Record<string, unknown> {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!fs.existsSync(file)) return {};
  const project = (yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
  const config = (yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)?.config ?? {};
  const prefix = `${project}:`;
  return Object.fromEntries(Object.entries(config).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])));
}

/** The stack's clusterMode as its stack file sets it, else the default, kind. */
export function stackClusterMode(projectDir: string, stack: string): string {
  return String(stackFileSettings(projectDir, stack).clusterMode ?? "kind");
}

/**
 * Runs `command args` on the user's terminal (pulumi's own progress and prompts), resolving with its
 * exit code. The terminal's Ctrl-C reaches the child too; this process waits for it to stop, as
 * pulumi cancels an update gracefully and should not be orphaned mid-way.
 */
export function runAttached(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: "inherit" });
    const waitForChild = () => undefined;
    const forwardTerm = () => child.kill("SIGTERM");
    process.on("SIGINT", waitForChild);
    process.on("SIGTERM", forwardTerm);
    const done = () => {
      process.removeListener("SIGINT", waitForChild);
      process.removeListener("SIGTERM", forwardTerm);
    };
    child.on("error", (e) => {
      done();
      reject(e);
    });
    child.on("close", (code, signal) => {
      done();
      resolve(code ?? (signal === "SIGINT" ? 130 : 1));
    });
  });
}

/** Runs `pulumi <args>` for the project, attached to the terminal. */
export function runPulumi(project: ProjectPulumi, args: string[]): Promise<number> {
  return runAttached("pulumi", args, { cwd: project.workDir, env: project.env });
}
