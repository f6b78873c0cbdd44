import * as os from "os";
import { LOCAL_PATH_PROVISIONER } from "../components/storage/storage-class";
import { StackConfig } from "./knobs";

/** The kind cluster of a stack: kind-zookeeper-<stack>, made a valid kind name (stack names allow more). */
export function defaultClusterName(stack: string): string {
  const cleaned = stack.toLowerCase().replace(/[^a-z0-9.-]+/g, "-").replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return `kind-zookeeper-${cleaned || "stack"}`.slice(0, 50).replace(/[^a-z0-9]+$/, "");
}

/** The provisioner: configured, or the one kind ships (the rules require it outside kind mode). */
export function storageProvisioner(config: StackConfig): string {
  return config.storageProvisioner ?? LOCAL_PATH_PROVISIONER;
}

/** The NodePort the client port is exposed on for host access; kind maps the host port to it. */
export const HOST_ACCESS_NODE_PORT = 30181;

/**
 * A kubeconfig setting as the Kubernetes provider takes it: content as is, a path with `~`
 * expanded. Returns whether it is a path, for the check that the file exists.
 */
export function resolveKubeconfig(value: string): { value: string; isPath: boolean } {
  if (/\n/.test(value.trim()) || /^\s*[{]/.test(value)) return { value, isPath: false };
  const path = value.trim();
  return { value: path.startsWith("~/") ? `${os.homedir()}${path.slice(1)}` : path, isPath: true };
}
