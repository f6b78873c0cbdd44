import * as yaml from "js-yaml";

/** kind v0.32.0's default node image, pinned by the digest in kind's release notes. */
export const KIND_NODE_IMAGE = "kindest/node:v1.36.1@sha256:3489c7674813ba5d8b1a9977baea8a6e553784dab7b84759d1014dbd78f7ebd5";

/** The kind cluster's defaults: one control plane and three workers, the tutorial's four nodes. */
export const KIND_DEFAULTS = {
  workers: 3,
  nodeImage: KIND_NODE_IMAGE,
  /** Seconds `kind create cluster` may wait for the control plane, and then again for every node. */
  createTimeoutSeconds: 300,
} as const;

/** The taint kind (through kubeadm) puts on the control plane of a multi-node cluster. */
export const CONTROL_PLANE_TAINT = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" } as const;

export interface PortMapping {
  /** The port on the node: for a NodePort Service, its nodePort. */
  containerPort: number;
  hostPort: number;
  /** Host address to listen on; loopback keeps the ensemble off the network. */
  listenAddress: string;
}

export interface KindConfigInput {
  /** Worker nodes beside the control plane. */
  workers: number;
  nodeImage: string;
  /** Host ports forwarded to the control-plane node. */
  portMappings?: PortMapping[];
}

/** The cluster config (kind.x-k8s.io/v1alpha4): one control plane and `workers` workers, all on one image. */
export function renderKindConfig(input: KindConfigInput) {
  const mappings = input.portMappings?.map((m) => ({ ...m, protocol: "TCP" }));
  return {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    nodes: [
      { role: "control-plane", image: input.nodeImage, ...(mappings?.length ? { extraPortMappings: mappings } : {}) },
      ...Array.from({ length: input.workers }, () => ({ role: "worker", image: input.nodeImage })),
    ],
  };
}

export function renderKindConfigYaml(input: KindConfigInput): string {
  return yaml.dump(renderKindConfig(input), { lineWidth: -1 });
}

/**
 * Nodes the ensemble's pods can be scheduled on. kind taints the control plane only when there
 * are workers; the ensemble tolerates that taint on kind (see README), so every node counts.
 */
export function schedulableNodes(workers: number): number {
  return 1 + workers;
}
