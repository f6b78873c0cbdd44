import * as pulumi from "@pulumi/pulumi";
import { kindProvider, KIND_PROVIDER_VERSION, KIND_ADVICE, KindAdvice } from "./provider";
import { renderKindConfigYaml, KIND_DEFAULTS, PortMapping } from "./config";

export interface KindClusterArgs {
  /** The kind cluster name; kubectl's context becomes `kind-<name>`. */
  clusterName: string;
  /** Worker nodes beside the control plane. Defaults to 3 (four nodes, as the tutorial assumes). */
  workers?: number;
  /** Node image of every node. Defaults to kind v0.32.0's `kindest/node:v1.36.1`, pinned by digest. */
  nodeImage?: string;
  /** Host ports forwarded into the cluster (for a NodePort Service). Defaults to none. */
  portMappings?: PortMapping[];
  /** Seconds `kind create cluster` may wait for the control plane, and then again for every node. Defaults to 300. */
  createTimeoutSeconds?: number;
  /**
   * What the cluster's errors tell the user to do, in the caller's terms (a stack gives the commands
   * that change its settings). Defaults to naming these arguments.
   */
  advice?: Partial<KindAdvice>;
}

/**
 * A local Kubernetes cluster made by the kind CLI (which the user installs; Docker or Podman must
 * run). Changing its name, nodes, node image or port mappings replaces it.
 */
export class KindCluster extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  /** The host kubeconfig kind prints (secret). */
  declare readonly kubeconfig: pulumi.Output<string>;
  /** The API server URL, e.g. https://127.0.0.1:40123. */
  declare readonly endpoint: pulumi.Output<string>;
  /** The node names, e.g. kind-zookeeper-dev-control-plane, ...-worker, ...-worker2. */
  declare readonly nodes: pulumi.Output<string[]>;

  constructor(name: string, args: KindClusterArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      kindProvider({ ...KIND_ADVICE, ...args.advice }),
      name,
      {
        name: args.clusterName,
        config: renderKindConfigYaml({
          workers: args.workers ?? KIND_DEFAULTS.workers,
          nodeImage: args.nodeImage ?? KIND_DEFAULTS.nodeImage,
          portMappings: args.portMappings,
        }),
        createTimeoutSeconds: args.createTimeoutSeconds ?? KIND_DEFAULTS.createTimeoutSeconds,
        providerVersion: KIND_PROVIDER_VERSION,
        kubeconfig: undefined,
        endpoint: undefined,
        nodes: undefined,
      },
      { ...opts, additionalSecretOutputs: ["kubeconfig"] },
      "kind",
      "Cluster",
    );
  }
}
