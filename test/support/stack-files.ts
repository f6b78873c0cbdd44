import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";

export const ROOT = path.join(__dirname, "..", "..");

/** The stack files of the project: Pulumi.<stack>.yaml. */
export function stackNames(): string[] {
  return fs.readdirSync(ROOT).flatMap((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1] ?? []);
}

/** What the Pulumi CLI hands the program for a stack: Pulumi.yaml defaults overlaid by the stack file. */
export function stackConfig(stack: string, overrides: Record<string, string> = {}): Record<string, string> {
  const project = yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as any;
  const values: Record<string, string> = {};
  for (const [key, decl] of Object.entries<any>(project.config)) {
    if (decl.default !== undefined) values[key] = String(decl.default);
  }
  const stackFile = yaml.load(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as any;
  for (const [fullKey, value] of Object.entries(stackFile.config ?? {})) {
    if (!fullKey.startsWith("kind-zookeeper:")) throw new Error(`Pulumi.${stack}.yaml: ${fullKey} is not a key of this project`);
    values[fullKey.slice("kind-zookeeper:".length)] = typeof value === "object" ? JSON.stringify(value) : String(value);
  }
  return { ...values, ...overrides };
}

/** A home directory with a kubeconfig, so `~/.kube/config` settings resolve, for the current suite. */
export function useHomeWithKubeconfig(): { home: string } {
  const saved = process.env.HOME;
  const state = { home: "" };
  beforeEach(() => {
    state.home = fs.mkdtempSync(path.join(os.tmpdir(), "kz-home-"));
    fs.mkdirSync(path.join(state.home, ".kube"));
    fs.writeFileSync(path.join(state.home, ".kube", "config"), "apiVersion: v1\nkind: Config\ncurrent-context: prod\n");
    process.env.HOME = state.home;
  });
  afterEach(() => {
    fs.rmSync(state.home, { recursive: true, force: true });
    if (saved === undefined) delete process.env.HOME;
    else process.env.HOME = saved;
  });
  return state;
}
