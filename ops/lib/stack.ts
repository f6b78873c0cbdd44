// Reading a deployed stack's outputs through Pulumi's Automation API, from the backend that
// ops/lib/backend.ts decides, so every command finds the stacks `npm run up` made. The Automation
// API drives the Pulumi CLI (@pulumi/pulumi/automation/cmd.js runs `pulumi version`, then
// localWorkspace.js stackOutputs runs `pulumi stack output --json --stack <name>` and again with
// `--show-secrets`, each with `--non-interactive`). It never runs `pulumi stack select`, which
// would change the user's selected stack.
import { ADMIN_USER } from "../../components/zookeeper/users";
import { NoLocalBackend, pulumiBackend, PulumiBackend } from "./backend";
import { checkPrerequisites } from "./prerequisites";
import { prepareToolProject } from "./tool-project";

/**
 * The project's directory, whose Pulumi.yaml names the project whose stacks are read: the folder the
 * command runs in (npm runs a script in the package's root), as for `npm run up` and `down`, so each
 * reads the local backend (.pulumi-state) the other wrote.
 */
export const PROJECT_DIR = process.cwd();

/** Why a stack's outputs could not be read, in one line that says what to do. */
export class StackError extends Error {}

export interface StackOutputOptions {
  projectDir?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The command a user would type to reach the same backend: `PULUMI_BACKEND_URL=... pulumi <args>`. */
function pulumiCommand(backend: PulumiBackend, args: string): string {
  const url = backend.env.PULUMI_BACKEND_URL;
  return url ? `PULUMI_BACKEND_URL=${url} pulumi ${args}` : `pulumi ${args}`;
}

/**
 * The CLI's own complaint: the first `error:` line of its stderr. cmd.js wraps every failure,
 * including a non-zero exit, as a CommandError whose commandResult.err is execa's error, which
 * holds the CLI's stderr.
 */
function cliError(e: unknown): string {
  const result = (e as any)?.commandResult;
  const stderr: unknown = typeof result?.err?.stderr === "string" ? result.err.stderr : result?.stderr;
  const text = typeof stderr === "string" && stderr.trim() ? stderr : e instanceof Error ? e.message : String(e);
  const lines = text.split("\n").map((l) => l.trim());
  const line = lines.find((l) => l.startsWith("error: ")) ?? lines.find((l) => l) ?? "unknown error";
  return line.replace(/^error: /, "");
}

/** The CLI could not be started at all: execa's spawn error, ENOENT. */
function cliMissing(e: unknown): boolean {
  return (e as any)?.commandResult?.err?.code === "ENOENT";
}

function explain(stack: string, backend: PulumiBackend, e: unknown): StackError {
  if (cliMissing(e)) return new StackError("the Pulumi CLI is not on PATH: install it (https://www.pulumi.com/docs/iac/download-install/)");
  const why = cliError(e);
  if ((e as any)?.name === "StackNotFoundError" || /no stack named/.test(why)) {
    return new StackError(
      `no stack named '${stack}' in ${backend.description}: list the stacks with ${pulumiCommand(backend, "stack ls")}`,
    );
  }
  if (/passphrase must be set|incorrect passphrase/.test(why)) {
    return new StackError(
      `stack '${stack}' keeps its secrets (the kubeconfig) under a passphrase: ${why}; set PULUMI_CONFIG_PASSPHRASE or ` +
        "PULUMI_CONFIG_PASSPHRASE_FILE as for the pulumi up that deployed it",
    );
  }
  return new StackError(`reading the outputs of stack '${stack}' failed: ${why}`);
}

/** The stack's outputs, secrets in plain text, as `pulumi stack output --json --show-secrets` gives them. */
export async function readStackOutputs(stack: string, options: StackOutputOptions = {}): Promise<Record<string, unknown>> {
  const projectDir = options.projectDir ?? PROJECT_DIR;
  const env = options.env ?? process.env;
  // The CLI first, so that nothing is written for a command that cannot run.
  const [cli] = await checkPrerequisites(["pulumi"], env);
  if (!cli.ok) throw new StackError(cli.message);
  let backend: PulumiBackend;
  try {
    backend = pulumiBackend(projectDir, env, { readOnly: true });
  } catch (e) {
    if (e instanceof NoLocalBackend) throw new StackError(`no stack named '${stack}': ${e.message}`);
    throw e;
  }
  const timeoutMs = options.timeoutMs ?? 60000;
  // Loaded here: the Automation API takes a while to load, and only stack commands need it.
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new StackError(`the Pulumi CLI gave no outputs of stack '${stack}' within ${timeoutMs / 1000} s (${backend.description})`)),
      timeoutMs,
    );
  });
  try {
    const outputs = await Promise.race([
      (async () => {
        const ws = await LocalWorkspace.create({
          workDir: backend.local ? prepareToolProject(projectDir, stack) : projectDir,
          envVars: backend.env,
        });
        return ws.stackOutputs(stack);
      })(),
      timeout,
    ]);
    return Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value]));
  } catch (e) {
    throw e instanceof StackError ? e : explain(stack, backend, e);
  } finally {
    clearTimeout(timer);
  }
}

/** The super user of the ensemble's client authentication (SASL DIGEST-MD5), as the program names it. */
export { ADMIN_USER };

export interface SaslCredentials {
  username: string;
  password: string;
}

/**
 * The SASL credentials of every ZooKeeper session opened for a stack (ZkClient's `sasl` session
 * option): the admin user with the stack's `adminPassword` output (a secret, in plain text as
 * readStackOutputs gives it), or none when the stack has no such output (client authentication off).
 * Shared by verify, backup and restore --stack.
 */
export function stackSasl(outputs: Record<string, unknown>): SaslCredentials | undefined {
  const password = outputs.adminPassword;
  return typeof password === "string" && password !== "" ? { username: ADMIN_USER, password } : undefined;
}
