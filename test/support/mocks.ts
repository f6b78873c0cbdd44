import * as pulumi from "@pulumi/pulumi";
import { readProject } from "./pulumi-cli";

/** The real project name: config keys are <project>:<key>, as the CLI hands them over. */
const PROJECT = readProject().name;

export interface Registered {
  type: string;
  name: string;
  inputs: any;
  /** The provider reference, `<provider urn>::<provider id>`. */
  provider?: string;
  /** The resource options the engine received, as far as the tests need them. */
  options: RegisteredOptions;
}

export interface RegisteredOptions {
  parent: string;
  deleteBeforeReplace: boolean;
  replaceOnChanges: string[];
  ignoreChanges: string[];
  retainOnDelete?: boolean;
  dependencies: string[];
  aliases: number;
  additionalSecretOutputs: string[];
}

let registered: Registered[] = [];
export const warnings: string[] = [];

/**
 * Installs Pulumi mocks for the real project name and a stack, with raw config values keyed
 * without the project prefix (as `pulumi config set` takes them). Returns the live list of
 * resources the program registers.
 */
export function useMocks(stack: string, config: Record<string, string> = {}, secretKeys: string[] = []): Registered[] {
  registered = [];
  const options = new Map<string, RegisteredOptions>();
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const opts = options.get(`${args.type}::${args.name}`)!;
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, options: opts });
        return { id: `${args.name}-id`, state: { ...args.inputs, ...liveOutputs(args) } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    PROJECT,
    stack,
    false,
  );
  // The mock monitor hands mocks only a resource's inputs; its options come from the request itself.
  const monitor = (pulumi.runtime as any).getMonitor();
  const registerResource = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: unknown) => {
    options.set(`${req.getType()}::${req.getName()}`, {
      parent: req.getParent(),
      deleteBeforeReplace: req.getDeletebeforereplace(),
      replaceOnChanges: req.getReplaceonchangesList(),
      ignoreChanges: req.getIgnorechangesList(),
      retainOnDelete: req.getRetainondelete(),
      dependencies: req.getDependenciesList(),
      aliases: req.getAliasesList().length,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    });
    return registerResource(req, callback);
  };
  const all: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) all[`${PROJECT}:${key}`] = value;
  pulumi.runtime.setAllConfig(
    all,
    secretKeys.map((k) => `${PROJECT}:${k}`),
  );
  return registered;
}

/** Outputs a real create would add, for the resources whose outputs the program uses. */
function liveOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
  if (args.type === "pulumi-nodejs:dynamic/kind:Cluster") {
    const context = `kind-${args.inputs.name}`;
    return {
      // The shape `kind get kubeconfig` prints.
      kubeconfig: [
        "apiVersion: v1",
        "clusters:",
        "- cluster:",
        "    certificate-authority-data: ZmFrZQ==",
        "    server: https://127.0.0.1:40123",
        `  name: ${context}`,
        "contexts:",
        "- context:",
        `    cluster: ${context}`,
        `    user: ${context}`,
        `  name: ${context}`,
        `current-context: ${context}`,
        "kind: Config",
        "users:",
        `- name: ${context}`,
        "  user:",
        "    client-certificate-data: ZmFrZQ==",
        "    client-key-data: ZmFrZQ==",
        "",
      ].join("\n"),
      endpoint: "https://127.0.0.1:40123",
      nodes: [`${args.inputs.name}-control-plane`],
    };
  }
  // @pulumi/random and @pulumi/tls compute these in their providers; stand-ins of the same shape.
  const pem = (label: string) => `-----BEGIN ${label}-----\nMOCK-${args.name}\n-----END ${label}-----\n`;
  switch (args.type) {
    case "random:index/randomPassword:RandomPassword":
      return { result: `mock-password-of-${args.name}` };
    case "tls:index/privateKey:PrivateKey":
      return { privateKeyPem: pem("EC PRIVATE KEY"), privateKeyPemPkcs8: pem("PRIVATE KEY"), publicKeyPem: pem("PUBLIC KEY") };
    case "tls:index/selfSignedCert:SelfSignedCert":
    case "tls:index/locallySignedCert:LocallySignedCert":
      return { certPem: pem("CERTIFICATE") };
    case "tls:index/certRequest:CertRequest":
      return { certRequestPem: pem("CERTIFICATE REQUEST") };
  }
  return {};
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** Waits (bounded) until no further resource registers for several turns of the event loop. */
export async function settle(list: Registered[], maxTurns = 5000): Promise<void> {
  let stable = 0;
  let last = -1;
  for (let turn = 0; turn < maxTurns && stable < 50; turn++) {
    await new Promise((r) => setImmediate(r));
    stable = list.length === last ? stable + 1 : 0;
    last = list.length;
  }
}

export interface ProgramRun {
  resources: Registered[];
  outputs: Record<string, pulumi.Output<any>>;
  /** What the program logged as warnings (pulumi.log.warn prints through console.warn under mocks). */
  warnings: string[];
  /** What the program threw, if it threw. */
  error?: unknown;
}

/** Runs index.ts afresh under mocks (Node caches modules; each run needs its own program). */
export async function attemptProgram(stack: string, config: Record<string, string> = {}, secretKeys: string[] = []): Promise<ProgramRun> {
  const resources = useMocks(stack, config, secretKeys);
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    const path = require.resolve("../../index");
    delete require.cache[path];
    let outputs: Record<string, pulumi.Output<any>>;
    try {
      // The program exports a function, which Pulumi's host calls; its result is the stack's outputs.
      outputs = require(path)();
    } catch (error) {
      await settle(resources);
      return { resources, outputs: {}, warnings, error };
    }
    await Promise.all(
      Object.values(outputs)
        .filter((o) => o !== undefined)
        .map((o) => promiseOf(o)),
    );
    await settle(resources);
    return { resources, outputs, warnings };
  } finally {
    console.warn = originalWarn;
  }
}

/** Runs index.ts afresh under mocks; fails the test if the program throws. */
export async function runProgram(stack: string, config: Record<string, string> = {}, secretKeys: string[] = []): Promise<ProgramRun> {
  const run = await attemptProgram(stack, config, secretKeys);
  if (run.error) throw run.error;
  return run;
}

export function ofType(list: Registered[], type: string): Registered[] {
  return list.filter((r) => r.type === type);
}

export function one(list: Registered[], type: string): Registered {
  const found = ofType(list, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A secret input arrives in mocks wrapped with Pulumi's secret signature; this is its value. */
export function revealed(value: any): any {
  return value && typeof value === "object" && Object.values(value).includes(SECRET_SIG) ? value.value : value;
}

/** Whether an input arrived as a secret. */
export function isSecretInput(value: any): boolean {
  return revealed(value) !== value;
}
