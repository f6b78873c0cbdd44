import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cliConfigFor, ROOT } from "./pulumi-cli";

export { ROOT };

/** The stack files of the project: Pulumi.<stack>.yaml. */
export function stackNames(): string[] {
  return fs.readdirSync(ROOT).flatMap((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1] ?? []);
}

/**
 * What the Pulumi CLI hands the program for a stack (Pulumi.yaml defaults overlaid by the stack
 * file, plus overrides as `pulumi config set` would store them); throws as the CLI would refuse.
 */
export function stackConfig(stack: string, overrides: Record<string, string> = {}): Record<string, string> {
  return cliConfigFor(stack, overrides);
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
