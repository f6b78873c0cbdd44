// The program run without the Pulumi CLI, an engine or a cluster: under Pulumi's mocks, which record
// each resource the program registers with its inputs and answer with the outputs a real create
// would add where the program uses them (a kind cluster's kubeconfig, a generated password or
// certificate: stand-ins of the same shape). `npm run check` renders what a stack would deploy this
// way; the tests run the program under the same mocks.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** Outputs a real create would add, for the resources whose outputs the program uses. */
export function liveOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
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

/** Waits (bounded) until no further resource registers for several turns of the event loop. */
export async function settle(list: unknown[], maxTurns = 5000): Promise<void> {
  let stable = 0;
  let last = -1;
  for (let turn = 0; turn < maxTurns && stable < 50; turn++) {
    await new Promise((r) => setImmediate(r));
    stable = list.length === last ? stable + 1 : 0;
    last = list.length;
  }
}

/** Pulumi's mocks for a stack of `project`: each registered resource is handed to `onResource`, then answered as liveOutputs says. */
export function installMocks(project: string, stack: string, onResource: (args: pulumi.runtime.MockResourceArgs) => void): void {
  pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        onResource(args);
        return { id: `${args.name}-id`, state: { ...args.inputs, ...liveOutputs(args) } };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        return args.inputs;
      },
    },
    project,
    stack,
    false,
  );
}

export interface OfflineResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

export interface OfflineRun {
  resources: OfflineResource[];
  /** What the program logged as warnings (pulumi.log.warn prints through console.warn under mocks). */
  warnings: string[];
  /** What the program threw, if it threw. */
  error?: unknown;
}

/**
 * Runs the program of `projectDir` (its Pulumi.yaml's project, main or index.ts) for `stack` with the
 * raw config values the CLI would hand it (keys without the project prefix), under mocks.
 */
export async function runOffline(
  projectDir: string,
  project: string,
  stack: string,
  config: Record<string, string>,
  secretKeys: string[] = [],
): Promise<OfflineRun> {
  const resources: OfflineResource[] = [];
  installMocks(project, stack, (args) => resources.push({ type: args.type, name: args.name, inputs: args.inputs }));
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project}:${k}`, v])),
    secretKeys.map((k) => `${project}:${k}`),
  );
  const warnings: string[] = [];
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    const main = require.resolve(path.resolve(projectDir, "index"));
    delete require.cache[main];
    try {
      // The program exports a function, which Pulumi's host calls; its result is the stack's outputs.
      const outputs: Record<string, pulumi.Output<unknown> | undefined> = require(main)();
      await Promise.all(
        Object.values(outputs)
          .filter((o): o is pulumi.Output<unknown> => o !== undefined)
          .map((o) => new Promise((resolve) => o.apply(resolve))),
      );
    } catch (error) {
      await settle(resources);
      return { resources, warnings, error };
    }
    await settle(resources);
    return { resources, warnings };
  } finally {
    console.warn = originalWarn;
  }
}
