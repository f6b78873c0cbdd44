import * as fs from "fs";
import * as path from "path";
import { pinKubeconfig, PinnedKubeconfig, KubeconfigError, kubeconfigSource } from "../components/kube-api/kubeconfig";
import { LOCAL_PATH_PROVISIONER } from "../components/storage/storage-class";
import { StackConfig } from "./settings";
import type { ClientAccess } from "../components/zookeeper/options";

/** The kind cluster of a stack: <project>-<stack>, made a valid kind name (stack names allow more). */
export function defaultClusterName(project: string, stack: string): string {
  const clean = (name: string) =>
    name
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, "-")
      .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, "");
  return `${clean(project) || "zookeeper"}-${clean(stack) || "stack"}`.slice(0, 50).replace(/[^a-z0-9]+$/, "");
}

/** The provisioner: configured, or the one kind ships (the rules require it outside kind mode). */
export function storageProvisioner(config: StackConfig): string {
  return config.storageProvisioner ?? LOCAL_PATH_PROVISIONER;
}

/** The NodePort the client port is exposed on for host access; kind maps the host port to it. */
export const HOST_ACCESS_NODE_PORT = 30181;

/**
 * The existing cluster's kubeconfig pinned to the stack's context (see pinKubeconfig). Read at each
 * run: the state keeps content, never a path that means another file on another machine.
 * Throws KubeconfigError (or a file error) with what is wrong.
 */
export function pinnedKubeconfig(config: Pick<StackConfig, "kubeconfig" | "kubeContext">): PinnedKubeconfig {
  const source = kubeconfigSource(config.kubeconfig!);
  if (source.kind === "content") return pinKubeconfig(config.kubeconfig!, { context: config.kubeContext, baseDir: process.cwd() });
  if (!fs.existsSync(source.path)) throw new KubeconfigError("does not exist");
  return pinKubeconfig(fs.readFileSync(source.path, "utf8"), { context: config.kubeContext, baseDir: path.dirname(source.path) });
}

/** A key=value label setting as a label map; none when unset. */
export function labelOf(pair: string | undefined): Record<string, string> | undefined {
  if (pair === undefined) return undefined;
  const at = pair.indexOf("=");
  return { [pair.slice(0, at)]: pair.slice(at + 1) };
}

/** The ensemble's client access from the settings (clientPodLabel is key=value). */
export function clientAccessOf(config: Pick<StackConfig, "clientAccess" | "clientPodLabel">): ClientAccess {
  if (config.clientAccess !== "labelled") return { mode: config.clientAccess };
  return { mode: "labelled", label: labelOf(config.clientPodLabel)! };
}
