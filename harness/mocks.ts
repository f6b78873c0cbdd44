import * as pulumi from "@pulumi/pulumi";
import { readProject } from "./pulumi-cli";
import { installMocks, settle } from "../ops/lib/offline-program";

export { settle };

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
  /** Only when the resource sets any (create, update, delete as given, e.g. "30m"). */
  customTimeouts?: { create: string; update: string; delete: string };
}

let registered: Registered[] = [];
export const warnings: string[] = [];

function customTimeoutsOf(req: any): Pick<RegisteredOptions, "customTimeouts"> {
  const t = req.getCustomtimeouts?.();
  if (!t || !(t.getCreate() || t.getUpdate() || t.getDelete())) return {};
  return { customTimeouts: { create: t.getCreate(), update: t.getUpdate(), delete: t.getDelete() } };
}

/**
 * Installs Pulumi mocks for the real project name and a stack, with raw config values keyed
 * without the project prefix (as `pulumi config set` takes them). Returns the live list of
 * resources the program registers.
 */
export function useMocks(stack: string, config: Record<string, string> = {}, secretKeys: string[] = []): Registered[] {
  registered = [];
  const options = new Map<string, RegisteredOptions>();
  installMocks(PROJECT, stack, (args) => {
    const opts = options.get(`${args.type}::${args.name}`)!;
    registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider, options: opts });
  });
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
      ...customTimeoutsOf(req),
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

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
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
    const path = require.resolve("../index");
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
