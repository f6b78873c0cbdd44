// A deployed stack's ZooKeeper servers, reached from this machine the way `verify --stack` reaches
// them: the stack's outputs and kubeconfig through the Pulumi CLI (ops/lib/stack.ts; never the
// ambient kubeconfig), then one port-forward per server pod through the Kubernetes API
// (ops/lib/verify/tunnel.ts) to the pod's client port, 2181. With TLS that plaintext port listens on
// the pod's 127.0.0.1, which the kubelet's port-forward reaches, so 2181 serves either way. Shared
// by verify, backup and restore; the Kubernetes client is loaded only when a stack is opened.
import type { KubeConfig } from "@kubernetes/client-node";
import { PORTS } from "../../components/zookeeper/ports";
import { readStackOutputs, SaslCredentials, StackError, StackOutputOptions } from "./stack";
import { StackTarget, stackTarget } from "./verify/stack-target";
import { CouldNotCheck } from "../../zk/verify/types";
import type { Tunnel } from "./verify/tunnel";

// For callers that load this module lazily: the class its failures are, from the same module instance.
export { StackError };

export interface StackReadOptions extends StackOutputOptions {
  /** The command the stack is read for, named in its messages ("the output(s) backup needs"). */
  command: string;
}

/**
 * The stack's target (stack-target.ts) and the kubeconfig it deploys with, at its context. Every
 * failure (no CLI, no such stack, a passphrase, missing outputs, a kubeconfig that is not one) is a
 * StackError of one line that says what to do.
 */
export async function readStackTarget(stack: string, options: StackReadOptions): Promise<{ target: StackTarget; kubeconfig: KubeConfig }> {
  const outputs = await readStackOutputs(stack, options);
  try {
    const target = stackTarget(stack, outputs, options.command);
    const { loadKubeconfig } = await import("./verify/kube-reader");
    return { target, kubeconfig: await loadKubeconfig(target) };
  } catch (e) {
    throw e instanceof CouldNotCheck ? new StackError(e.message) : e;
  }
}

/** A stack's servers, each behind a local port of its own. */
export interface StackServers {
  target: StackTarget;
  /** One tunnel per server pod, in the pods' order. */
  tunnels: { pod: string; tunnel: Tunnel }[];
  /** `127.0.0.1:<port>,...`: the servers' client ports through their tunnels, for ZkClient. */
  connectionString: string;
  /** For messages and a backup's header: `stack dev (zk-0, zk-1, zk-2 in namespace zookeeper, by port-forward)`. */
  description: string;
  /** The SASL credentials every session must use (the stack's admin user), or none. */
  sasl?: SaslCredentials;
  /** The tunnels' last failures (the API refused the port-forward, nothing listens in the pod), one line each. */
  tunnelErrors(): string[];
  /** Closes every tunnel; idempotent. */
  close(): Promise<void>;
}

/** Opens a tunnel to one pod's client port; a test may stand in for it. */
export type OpenTunnel = (kubeconfig: KubeConfig, namespace: string, pod: string, remotePort: number) => Promise<Tunnel>;

/**
 * Reads the stack (readStackTarget) and opens a tunnel to each server pod's client port. A pod that
 * does not run only fails the connections made through its tunnel: a ZooKeeper client moves on to
 * the next server, and tunnelErrors() says why.
 */
export async function openStackServers(stack: string, options: StackReadOptions & { openTunnel?: OpenTunnel }): Promise<StackServers> {
  const { target, kubeconfig } = await readStackTarget(stack, options);
  const open = options.openTunnel ?? (await import("./verify/tunnel")).openTunnel;
  const tunnels: { pod: string; tunnel: Tunnel }[] = [];
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= Promise.all(tunnels.map((t) => t.tunnel.close())).then(() => undefined));
  try {
    for (const pod of target.pods) tunnels.push({ pod, tunnel: await open(kubeconfig, target.namespace, pod, PORTS.client) });
  } catch (e) {
    await close();
    throw new StackError(`stack '${stack}': no local port for a port-forward to ${target.pods[tunnels.length]}: ${(e as Error).message}`);
  }
  return {
    target,
    tunnels,
    connectionString: tunnels.map((t) => `${t.tunnel.host}:${t.tunnel.port}`).join(","),
    description: `stack ${stack} (${target.pods.join(", ")} in namespace ${target.namespace}, by port-forward)`,
    sasl: target.sasl,
    tunnelErrors: () => tunnels.flatMap((t) => t.tunnel.lastError() ?? []),
    close,
  };
}
