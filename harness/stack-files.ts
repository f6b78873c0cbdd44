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
export function stackConfig(stack: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  return cliConfigFor(stack, overrides);
}

/** A kubeconfig with two contexts, `prod` (the current one) and `staging`, on one user with a token. */
export const TEST_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: prod-cluster
  cluster:
    server: https://prod.example:6443
    certificate-authority-data: ZmFrZQ==
- name: staging-cluster
  cluster:
    server: https://staging.example:6443
users:
- name: admin
  user:
    token: not-a-real-token
contexts:
- name: prod
  context:
    cluster: prod-cluster
    user: admin
- name: staging
  context:
    cluster: staging-cluster
    user: admin
current-context: prod
`;

/** A home directory with a kubeconfig, so `~/.kube/config` settings resolve, for the current suite. */
export function useHomeWithKubeconfig(): { home: string } {
  const saved = process.env.HOME;
  const state = { home: "" };
  beforeEach(() => {
    state.home = fs.mkdtempSync(path.join(os.tmpdir(), "kz-home-"));
    fs.mkdirSync(path.join(state.home, ".kube"));
    fs.writeFileSync(path.join(state.home, ".kube", "config"), TEST_KUBECONFIG);
    process.env.HOME = state.home;
  });
  afterEach(() => {
    fs.rmSync(state.home, { recursive: true, force: true });
    if (saved === undefined) delete process.env.HOME;
    else process.env.HOME = saved;
  });
  return state;
}
