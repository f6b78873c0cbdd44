// A kubeconfig reduced to the one context a stack deploys to. The Kubernetes provider gets this
// content rather than a path: with a path and no context it follows the file's current context, so
// a later `kubectl config use-context` (or `kind create cluster`, which switches it) would point the
// next `pulumi up` at another cluster with no diff (pulumi/pulumi-kubernetes provider/pkg/provider
// provider.go DiffConfig compares the configured values, and util.go reads a path's file afresh).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { KubeAccess } from "./client";

export interface PinnedKubeconfig {
  /** The context deployed to. */
  context: string;
  /** A kubeconfig holding only that context, its cluster and its user, with their files inlined. */
  content: string;
  /** How the dynamic providers reach the same cluster, or why they cannot with these credentials. */
  access: KubeAccess | { unsupported: string };
}

export class KubeconfigError extends Error {}

const named = (list: unknown, name: string): any => (Array.isArray(list) ? list.find((e: any) => e?.name === name) : undefined);

/**
 * Pins a kubeconfig to one context: `context`, or its only one. Files it names (CA, client
 * certificate and key) are read relative to `baseDir` and inlined, so the content means the same
 * on every machine. Throws a KubeconfigError whose message says what to set.
 */
export function pinKubeconfig(text: string, options: { context?: string; baseDir: string }): PinnedKubeconfig {
  let config: any;
  try {
    config = yaml.load(text);
  } catch (e) {
    throw new KubeconfigError(`is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
  }
  if (!config || typeof config !== "object" || !Array.isArray(config.contexts) || config.contexts.length === 0) {
    throw new KubeconfigError("holds no context: it is not a kubeconfig");
  }
  const names: string[] = config.contexts.map((c: any) => c?.name).filter((n: unknown) => typeof n === "string");
  let contextName = options.context;
  if (contextName === undefined) {
    if (names.length !== 1) {
      throw new KubeconfigError(
        `has ${names.length} contexts (${names.join(", ")}) and kubeContext is not set: name the one to deploy to, so that ` +
          "switching kubectl's current context never moves the ensemble",
      );
    }
    contextName = names[0];
  }
  const context = named(config.contexts, contextName)?.context;
  if (!context) throw new KubeconfigError(`has no context ${contextName}; it has ${names.join(", ")}`);
  const cluster = named(config.clusters, context.cluster)?.cluster;
  if (!cluster?.server)
    throw new KubeconfigError(`context ${contextName} names cluster ${context.cluster}, which the kubeconfig does not define`);
  const user = context.user === undefined ? {} : named(config.users, context.user)?.user;
  if (user === undefined)
    throw new KubeconfigError(`context ${contextName} names user ${context.user}, which the kubeconfig does not define`);

  const file = (f: string) => path.resolve(options.baseDir, f);
  const inline = (entry: any, key: string) => {
    const out = { ...entry };
    if (out[key] !== undefined && out[`${key}-data`] === undefined) {
      out[`${key}-data`] = fs.readFileSync(file(out[key])).toString("base64");
    }
    delete out[key];
    return out;
  };
  const pinnedCluster = inline(cluster, "certificate-authority");
  let pinnedUser = inline(inline(user, "client-certificate"), "client-key");
  if (pinnedUser.tokenFile !== undefined) pinnedUser = { ...pinnedUser, tokenFile: file(pinnedUser.tokenFile) };

  const content = yaml.dump(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: context.cluster, cluster: pinnedCluster }],
      users: context.user === undefined ? [] : [{ name: context.user, user: pinnedUser }],
      contexts: [{ name: contextName, context }],
      "current-context": contextName,
    },
    { lineWidth: -1 },
  );
  return { context: contextName, content, access: accessOf(pinnedCluster, pinnedUser) };
}

const pem = (b64: string | undefined) => (b64 === undefined ? undefined : Buffer.from(b64, "base64").toString("utf8"));

function accessOf(cluster: any, user: any): KubeAccess | { unsupported: string } {
  if (cluster["proxy-url"]) return { unsupported: "the cluster is reached through proxy-url" };
  if (user["auth-provider"]) return { unsupported: `the user authenticates with auth-provider ${user["auth-provider"].name}` };
  const exec = user.exec
    ? {
        command: user.exec.command,
        args: user.exec.args ?? [],
        env: user.exec.env ?? [],
        apiVersion: user.exec.apiVersion ?? "client.authentication.k8s.io/v1",
      }
    : undefined;
  return {
    server: cluster.server,
    caPem: pem(cluster["certificate-authority-data"]),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    certPem: pem(user["client-certificate-data"]),
    keyPem: pem(user["client-key-data"]),
    token: user.token,
    tokenFile: user.tokenFile,
    username: user.username,
    password: user.password,
    exec,
  };
}

/** Where a kubeconfig value (a stack setting's text) comes from: the setting itself, or the file it names. */
export function kubeconfigSource(value: string): { kind: "content" } | { kind: "file"; path: string } {
  if (/\n/.test(value.trim()) || /^\s*[{]/.test(value)) return { kind: "content" };
  const file = value.trim();
  return { kind: "file", path: file.startsWith("~/") ? path.join(os.homedir(), file.slice(2)) : path.resolve(file) };
}
