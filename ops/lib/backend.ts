// Where the project's commands keep Pulumi state, decided in one place for `npm run up`, `down`,
// `verify --stack`, `backup --stack` and the e2e suite, so each finds the stacks the others made.
// It never changes the user's own login: `pulumi login --local` would log a Pulumi Cloud user out.
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

/** No stack can be read: nothing was deployed from this folder with the local backend. */
export class NoLocalBackend extends Error {
  constructor(readonly dir: string) {
    super(
      `nothing was deployed from this folder yet (no ${dir}; not logged in to Pulumi, PULUMI_BACKEND_URL not set): deploy with npm run up first`,
    );
  }
}

export interface PulumiBackend {
  /** Environment variables to hand every `pulumi` command (and the Automation API's workspace). */
  env: Record<string, string>;
  /** For messages: which backend is used and why. */
  description: string;
  /** The project's own local backend in .pulumi-state (the tool's passphrase): pulumi runs in the tool's folder (tool-project.ts). */
  local?: boolean;
}

/**
 * The folder of the Pulumi CLI's credentials.json: PULUMI_CREDENTIALS_PATH, else PULUMI_HOME, else
 * ~/.pulumi (pulumi/pulumi v3.248.0 sdk/go/common/workspace/creds.go getCredsFilePath).
 */
function credentialsFile(env: NodeJS.ProcessEnv): string {
  const folder = env.PULUMI_CREDENTIALS_PATH || env.PULUMI_HOME || path.join(env.HOME || os.homedir(), ".pulumi");
  return path.join(folder, "credentials.json");
}

/**
 * The backend the user is logged in to: credentials.json's `current` key (creds.go: Credentials.Current,
 * "the currently selected key"), which `pulumi login` sets and `pulumi logout` clears.
 */
export function loggedInBackend(env: NodeJS.ProcessEnv = process.env): string | undefined {
  try {
    const current = JSON.parse(fs.readFileSync(credentialsFile(env), "utf8")).current;
    return typeof current === "string" && current ? current : undefined;
  } catch {
    return undefined;
  }
}

/** The `backend.url` of the project's Pulumi.yaml, if it sets one. */
function projectBackendUrl(projectDir: string): string | undefined {
  try {
    const project = yaml.load(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { backend?: { url?: string } };
    return project?.backend?.url || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The backend for the project in `projectDir`:
 * - PULUMI_BACKEND_URL when the user set it, or Pulumi.yaml's backend.url;
 * - otherwise the backend the user is logged in to (or Pulumi Cloud, with PULUMI_ACCESS_TOKEN);
 * - otherwise a local backend in `<projectDir>/.pulumi-state`, with a passphrase generated once into
 *   a file only the user can read (PULUMI_CONFIG_PASSPHRASE_FILE), unless a passphrase is set already.
 */
export function pulumiBackend(projectDir: string, env: NodeJS.ProcessEnv = process.env, { readOnly = false } = {}): PulumiBackend {
  // The CLI's own order (pulumi/pulumi v3.248.0 pkg/workspace/creds.go GetCurrentCloudURL): the variable,
  // the project's backend.url, the login; an access token alone means Pulumi Cloud.
  if (env.PULUMI_BACKEND_URL) return { env: {}, description: `PULUMI_BACKEND_URL (${env.PULUMI_BACKEND_URL})` };
  const projectBackend = projectBackendUrl(projectDir);
  if (projectBackend) return { env: {}, description: `the project's backend (${projectBackend}, Pulumi.yaml)` };
  const current = loggedInBackend(env);
  if (current) return { env: {}, description: `the backend you are logged in to (${current})` };
  if (env.PULUMI_ACCESS_TOKEN) return { env: {}, description: "Pulumi Cloud (PULUMI_ACCESS_TOKEN is set)" };
  const dir = path.join(projectDir, ".pulumi-state");
  // A command that only reads a stack (verify, backup, restore --stack) writes nothing: without the
  // folder there is no stack to read, and without the passphrase file none to decrypt.
  if (readOnly && !fs.existsSync(dir)) throw new NoLocalBackend(dir);
  if (!readOnly) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const result: PulumiBackend = {
    env: { PULUMI_BACKEND_URL: `file://${dir}` },
    local: true,
    description: `a local backend in ${path.relative(process.cwd(), dir) || dir} (you are not logged in to Pulumi, and PULUMI_BACKEND_URL is not set)`,
  };
  // An empty passphrase is a passphrase to the CLI (it looks the variable up, set or not).
  if (env.PULUMI_CONFIG_PASSPHRASE === undefined && !env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    const file = path.join(dir, "passphrase");
    if (readOnly) {
      if (fs.existsSync(file)) result.env.PULUMI_CONFIG_PASSPHRASE_FILE = file;
      return result;
    }
    try {
      // "wx": two first runs at once must not each write a passphrase of their own.
      fs.writeFileSync(file, crypto.randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    result.env.PULUMI_CONFIG_PASSPHRASE_FILE = file;
  }
  return result;
}
