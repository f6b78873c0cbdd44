import * as pulumi from "@pulumi/pulumi";
import { runKind, listClusters, describeCluster, describeFailure, deleteClusterIfInterrupted } from "./kind-cli";
import { waitForNodesReady, declaredNodeCount } from "./nodes";
import { kindKubeAccess } from "../kube-api/client";

/**
 * Bumped whenever the provider's behaviour changes: Pulumi stores the provider's code in state and
 * does not notice a change to it by itself (an update carries the new code).
 */
export const KIND_PROVIDER_VERSION = "2";

export interface KindClusterInputs {
  /** The kind cluster name (kubectl context `kind-<name>`). */
  name: string;
  /** The rendered kind cluster config (YAML). */
  config: string;
  /** Seconds `kind create cluster` may take, control plane Ready included. */
  createTimeoutSeconds: number;
  providerVersion: string;
}

export interface KindClusterState extends KindClusterInputs {
  kubeconfig: string;
  endpoint: string;
  nodes: string[];
}

/** Properties whose change replaces the cluster: kind cannot change a cluster's nodes, image or ports in place. */
export const REPLACING_PROPERTIES = ["name", "config"] as const;

/** A valid kind cluster name: it prefixes the node container names and the kubectl context. */
export const KIND_CLUSTER_NAME = /^[a-z0-9]([a-z0-9.-]{0,48}[a-z0-9])?$/;

/**
 * What the provider's errors tell the user to do, in the user's terms: a stack names its settings
 * (config/advice.ts). Each is a phrase that reads after "or".
 */
export interface KindAdvice {
  /** Use another cluster name than one kind already has. */
  rename: string;
  /** Give `kind create cluster` more time. */
  moreTime: string;
  /** Deploy into a cluster that exists instead of creating one with kind. */
  useExisting: string;
}

/** The advice in this component's own terms: its arguments. */
export const KIND_ADVICE: KindAdvice = {
  rename: "give the cluster another name (clusterName)",
  moreTime: "raise the time limit (createTimeoutSeconds)",
  useExisting: "deploy into a cluster that exists instead of creating one with kind",
};

/**
 * The kind cluster's CRUD through the kind CLI, its errors worded with `advice`. Its methods run in
 * Pulumi's provider host, serialized with what they capture: `advice` is plain strings.
 */
export const kindProvider = (advice: KindAdvice): pulumi.dynamic.ResourceProvider => ({
  async check(_olds: any, news: any) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.name !== "string" || !KIND_CLUSTER_NAME.test(news.name)) {
      failures.push({
        property: "name",
        reason: `a kind cluster name must be 1-50 of a-z, 0-9, '.' or '-', got ${JSON.stringify(news.name)}`,
      });
    }
    if (typeof news.config !== "string" || !news.config.includes("kind.x-k8s.io/v1alpha4")) {
      failures.push({ property: "config", reason: "must be a kind.x-k8s.io/v1alpha4 cluster config" });
    }
    const inputs = { providerVersion: KIND_PROVIDER_VERSION, ...news };
    return { inputs, failures };
  },

  async diff(_id: string, olds: KindClusterState, news: KindClusterInputs) {
    const replaces = REPLACING_PROPERTIES.filter((p) => olds[p] !== news[p]);
    const changes =
      replaces.length > 0 || olds.createTimeoutSeconds !== news.createTimeoutSeconds || olds.providerVersion !== news.providerVersion;
    // Same-named clusters cannot coexist, so the old one goes first.
    return { changes, replaces: [...replaces], deleteBeforeReplace: replaces.length > 0 };
  },

  async create(inputs: KindClusterInputs) {
    const fs = require("fs");
    const os = require("os");
    const path = require("path");
    const existing = await listClusters().catch((e: Error) => {
      // Only a create has another way to go: into a cluster that exists.
      throw /^kind is not on PATH/.test(e.message) ? new Error(`${e.message} Or ${advice.useExisting}.`) : e;
    });
    if (existing.includes(inputs.name)) {
      throw new Error(
        `a kind cluster named "${inputs.name}" already exists and is not managed by this stack. ` +
          `Either delete it (kind delete cluster --name ${inputs.name}) and run pulumi up again, ` +
          `or ${advice.rename}, or ${advice.useExisting}: this one, through its kubectl context kind-${inputs.name}. ` +
          `(A pulumi up that was killed while kind was creating it can leave it behind: delete it then.)`,
      );
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kind-zookeeper-"));
    const configFile = path.join(dir, "kind-config.yaml");
    fs.writeFileSync(configFile, inputs.config);
    try {
      return await deleteClusterIfInterrupted(inputs.name, async () => {
        const run = await runKind(
          ["create", "cluster", "--name", inputs.name, "--config", configFile, "--wait", `${inputs.createTimeoutSeconds}s`],
          (inputs.createTimeoutSeconds + 120) * 1000,
        );
        if (run.timedOut || run.code !== 0) {
          // Leave nothing half-made: a failed create would otherwise block the next one by its name.
          await runKind(["delete", "cluster", "--name", inputs.name], 300000).catch(() => undefined);
          throw new Error(
            run.timedOut
              ? `kind create cluster --name ${inputs.name} did not finish within ${inputs.createTimeoutSeconds + 120} s ` +
                  `and was stopped; the partial cluster was deleted. A first run pulls the node image, which can be slow: ` +
                  `pull it ahead (docker pull <nodeImage>) or ${advice.moreTime}.`
              : describeFailure(`kind create cluster --name ${inputs.name}`, run) + "\nThe partial cluster was deleted.",
          );
        }
        try {
          const live = await describeCluster(inputs.name);
          await waitForNodesReady(kindKubeAccess(live.kubeconfig), declaredNodeCount(inputs.config), inputs.createTimeoutSeconds * 1000);
          const outs: KindClusterState = { ...inputs, ...live };
          return { id: inputs.name, outs };
        } catch (e) {
          await runKind(["delete", "cluster", "--name", inputs.name], 300000).catch(() => undefined);
          throw new Error(`kind create cluster --name ${inputs.name}: ${(e as Error).message}\nThe cluster was deleted.`);
        }
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },

  async read(id: string, props: KindClusterState) {
    if (!(await listClusters()).includes(id)) {
      // An empty id tells Pulumi the cluster is gone.
      return { id: "", props: {} };
    }
    return { id, props: { ...props, ...(await describeCluster(id)) } };
  },

  async update(_id: string, olds: KindClusterState, news: KindClusterInputs) {
    return { outs: { ...olds, createTimeoutSeconds: news.createTimeoutSeconds, providerVersion: news.providerVersion } };
  },

  async delete(id: string) {
    const run = await runKind(["delete", "cluster", "--name", id], 300000);
    if (run.code !== 0) throw new Error(describeFailure(`kind delete cluster --name ${id}`, run));
  },
});
