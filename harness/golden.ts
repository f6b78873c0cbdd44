// The full render of each stack file as the engine would receive it: every resource's type, name,
// parent, provider, inputs and options. Kept in test/golden/ and compared by the tests, so that a
// change to what a stack deploys (a URN, an input, the pod template, which rolls every server) is
// always a reviewed one. `npm run gen` rewrites the files.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runProgram, promiseOf } from "./mocks";
import { cliConfigFor, ROOT } from "./pulumi-cli";
import { stackNames, TEST_KUBECONFIG } from "./stack-files";

export const GOLDEN_DIR = path.join(ROOT, "test", "golden");

/** A home with the test kubeconfig, for stacks that read ~/.kube/config, while `fn` runs. */
async function withTestHome<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.HOME;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), "kz-golden-"));
  fs.mkdirSync(path.join(home, ".kube"));
  fs.writeFileSync(path.join(home, ".kube", "config"), TEST_KUBECONFIG);
  process.env.HOME = home;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.HOME;
    else process.env.HOME = saved;
    fs.rmSync(home, { recursive: true, force: true });
  }
}

export async function renderStack(stack: string): Promise<unknown> {
  return withTestHome(async () => {
    const { resources, outputs } = await runProgram(stack, cliConfigFor(stack));
    const exported: Record<string, unknown> = {};
    for (const name of Object.keys(outputs).sort()) exported[name] = await promiseOf(outputs[name]);
    return {
      // A dynamic provider's serialized code is not a reviewed fact; its providerVersion input is.
      resources: resources
        .map((r) => ({ ...r, inputs: { ...r.inputs, __provider: r.inputs.__provider ? "<serialized provider>" : undefined } }))
        // By identity, not by the order in which the engine happened to receive them.
        .sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`)),
      outputs: exported,
    };
  });
}

export const goldenFile = (stack: string) => path.join(GOLDEN_DIR, `${stack}.json`);

export async function goldenText(stack: string): Promise<string> {
  return JSON.stringify(await renderStack(stack), null, 1) + "\n";
}

export { stackNames };
