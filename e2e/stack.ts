// The suite's own stack, through the Automation API: a local backend in a temp folder with a
// passphrase of its own (never the user's login or state), a stack and a kind cluster whose names
// no user picks (e2e-<random>, kz-e2e-<random>), and the project's own program. The stack's settings
// file (Pulumi.<stack>.yaml) lives in that temp folder too: a Pulumi.yaml there names the project's
// folder as the program (`main` may be an absolute path: pulumi/pulumi v3.248.0 pkg/engine/project.go
// getPwdMain), so nothing is written into the project.
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import type { EngineEvent, LocalWorkspace, Stack } from "@pulumi/pulumi/automation";
import type { RenderedObject } from "./expected";

/** A free TCP port on 127.0.0.1 for the host endpoint (the kind port mapping binds it there). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The suite's stack settings (the stack has no stack file of the project's: Pulumi.yaml's defaults
 * and these). Its expectations, the images it checks and the render `npm test` checks it against
 * all start from here.
 */
export function e2eSettings(clusterName: string, hostPort: number): Record<string, string> {
  return {
    clusterName,
    // From the first up: toggling it later replaces the kind cluster (docs/settings.md: Access from the laptop).
    exposeOnHost: "true",
    hostPort: String(hostPort),
    // A schedule that will not fire during the run: the suite starts one run itself.
    backupSchedule: "0 3 1 1 *",
  };
}

export class ThrowawayStack {
  private constructor(
    readonly dir: string,
    readonly name: string,
    readonly clusterName: string,
    readonly hostPort: number,
    private readonly projectName: string,
    private readonly workDir: string,
    private readonly workspace: LocalWorkspace,
    private readonly stack: Stack,
    /** Backend and passphrase: every pulumi command of the suite, verify's included, gets exactly these. */
    readonly env: Record<string, string>,
  ) {}

  /**
   * `settings`: the stack's settings from its cluster and host port (the suite's own by default);
   * `env`: more environment for every pulumi command (the cluster tier's judges and stand-ins).
   */
  static async create(
    projectDir: string,
    {
      settings = e2eSettings,
      env: extraEnv = {},
    }: { settings?: (clusterName: string, hostPort: number) => Record<string, string>; env?: Record<string, string> } = {},
  ): Promise<ThrowawayStack> {
    const { LocalWorkspace, Stack } = await import("@pulumi/pulumi/automation");
    const id = crypto.randomBytes(3).toString("hex");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-e2e-"));
    const state = path.join(dir, "state");
    const workDir = fs.realpathSync(dir);
    fs.mkdirSync(state);
    const project = yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as Record<string, unknown> & { name: string };
    fs.writeFileSync(path.join(workDir, "Pulumi.yaml"), yaml.dump({ ...project, main: path.resolve(projectDir) }, { lineWidth: -1 }));
    const env = {
      ...extraEnv,
      PULUMI_BACKEND_URL: `file://${state}`,
      PULUMI_CONFIG_PASSPHRASE: crypto.randomBytes(24).toString("base64url"),
    };
    const name = `e2e-${id}`;
    const clusterName = `kz-e2e-${id}`;
    try {
      const workspace = await LocalWorkspace.create({ workDir, envVars: env });
      const stack = await Stack.create(name, workspace);
      const hostPort = await freeLoopbackPort();
      await stack.setAllConfig(Object.fromEntries(Object.entries(settings(clusterName, hostPort)).map(([key, value]) => [key, { value }])));
      return new ThrowawayStack(dir, name, clusterName, hostPort, project.name, workDir, workspace, stack, env);
    } catch (e) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** `pulumi up` (with `--refresh`, `--replace <urn>` if asked), its output on the console, bounded by `timeoutMs`. */
  async up(
    timeoutMs: number,
    { refresh = false, onEvent, replace }: { refresh?: boolean; onEvent?: (e: EngineEvent) => void; replace?: string[] } = {},
  ): Promise<void> {
    await this.stack.up({
      refresh,
      ...(replace ? { replace } : {}),
      onOutput: (out) => process.stdout.write(out),
      onEvent,
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  /**
   * `pulumi preview`; with `expectNoChanges` it fails when the plan changes anything. Resolves with
   * the plan's counts by operation, each resource's last planned operation by its name (not same), and
   * all of them (a replacement that deletes first plans delete-replaced, replace and create-replacement).
   */
  async preview(
    timeoutMs: number,
    { expectNoChanges = false }: { expectNoChanges?: boolean } = {},
  ): Promise<{ counts: Record<string, number>; steps: Record<string, string>; ops: Record<string, string[]> }> {
    const steps: Record<string, string> = {};
    const ops: Record<string, string[]> = {};
    const result = await this.stack.preview({
      expectNoChanges,
      diff: true,
      signal: AbortSignal.timeout(timeoutMs),
      onEvent: (e) => {
        const step = e.resourcePreEvent?.metadata;
        if (step && step.op !== "same") {
          const key = `${step.type}::${step.urn.split("::").pop()}`;
          steps[key] = step.op;
          (ops[key] ??= []).push(step.op);
        }
      },
    });
    return { counts: result.changeSummary as Record<string, number>, steps, ops };
  }

  async setConfig(key: string, value: string, { secret = false }: { secret?: boolean } = {}): Promise<void> {
    await this.stack.setConfig(key, { value, secret });
  }

  async removeConfig(key: string): Promise<void> {
    await this.stack.removeConfig(key);
  }

  /** The project's settings the stack sets, by key without the project prefix (what the program reads), and which are secrets. */
  async config(): Promise<{ raw: Record<string, string>; secretKeys: Set<string> }> {
    const prefix = `${this.projectName}:`;
    const ours = Object.entries(await this.stack.getAllConfig()).filter(([k]) => k.startsWith(prefix));
    return {
      raw: Object.fromEntries(ours.map(([k, v]) => [k.slice(prefix.length), v.value])),
      secretKeys: new Set(ours.filter(([, v]) => v.secret).map(([k]) => k.slice(prefix.length))),
    };
  }

  /**
   * The Kubernetes objects `pulumi up` sent, as the stack's state records them (each resource's
   * inputs): what the program rendered for this stack, which the suite's expectations come from.
   */
  async renderedObjects(): Promise<RenderedObject[]> {
    const state = await this.stack.exportStack();
    const resources = (state.deployment?.resources ?? []) as { type: string; inputs?: Record<string, unknown> }[];
    return resources
      .filter((r) => r.type.startsWith("kubernetes:") && typeof r.inputs?.kind === "string")
      .map((r) => r.inputs as unknown as RenderedObject);
  }

  /** The stack's outputs, secrets (the kubeconfig) in plain text. */
  async outputs(): Promise<Record<string, unknown>> {
    const outputs = await this.stack.outputs();
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
  }

  async destroy(timeoutMs: number): Promise<void> {
    await this.stack.destroy({ onOutput: (out) => process.stdout.write(out), signal: AbortSignal.timeout(timeoutMs) });
  }

  /** Removes the (destroyed) stack; resolves with the stacks the backend still holds. */
  async remove(): Promise<string[]> {
    await this.workspace.removeStack(this.name);
    return (await this.workspace.listStacks()).map((s) => s.name);
  }

  /**
   * Deletes the temp folder (backend, passphrase, stack settings) and the CLI's record of which
   * stack this temp project had selected (~/.pulumi/workspaces/<project>-<sha1 of Pulumi.yaml's
   * path>-workspace.json: pulumi/pulumi v3.248.0 pkg/workspace/workspace.go settingsPath).
   */
  cleanup(): void {
    const home = process.env.PULUMI_HOME || path.join(os.homedir(), ".pulumi");
    const hash = crypto.createHash("sha1").update(path.join(this.workDir, "Pulumi.yaml")).digest("hex");
    fs.rmSync(path.join(home, "workspaces", `${this.projectName}-${hash}-workspace.json`), { force: true });
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
