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
import { START_SCRIPT } from "../components/zookeeper/scripts";

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

interface Render {
  resources: { type: string; name: string; inputs: Record<string, any> }[];
  outputs: Record<string, unknown>;
}

/** One render per stack and process: the JSON and the plain files below are views of it. */
const renders = new Map<string, Promise<Render>>();

export function renderStack(stack: string): Promise<Render> {
  if (!renders.has(stack)) renders.set(stack, renderOnce(stack));
  return renders.get(stack)!;
}

async function renderOnce(stack: string): Promise<Render> {
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

/** The files of the servers' ConfigMap a reader opens as files (test/golden/<stack>/), beside the JSON. */
export const GOLDEN_PLAIN_FILES = ["zoo.cfg", START_SCRIPT] as const;

export const goldenPlainFile = (stack: string, name: string) => path.join(GOLDEN_DIR, stack, name);

/** A file of the stack's servers' ConfigMap (the one holding zoo.cfg), as the pods get it. */
export async function goldenPlainText(stack: string, name: string): Promise<string> {
  const { resources } = await renderStack(stack);
  const configMap = resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap" && r.inputs.data?.["zoo.cfg"] !== undefined);
  const text = configMap?.inputs.data?.[name];
  if (typeof text !== "string") throw new Error(`stack ${stack} renders no ConfigMap with ${name}`);
  return text;
}

export async function goldenText(stack: string): Promise<string> {
  return JSON.stringify(await renderStack(stack), null, 1) + "\n";
}

export { stackNames };
