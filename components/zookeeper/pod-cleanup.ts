import * as pulumi from "@pulumi/pulumi";
import { KubeAccess, kubeRequest, apiError } from "../kube-api/client";

/**
 * The StatefulSet is deleted with propagation policy orphan (so that a forced replacement keeps its
 * pods), which also leaves the pods running after `pulumi destroy`. In a namespace the program
 * created, deleting the namespace removes them; in one it did not create (`default`), this
 * resource does: it is created before the StatefulSet and deleted after it, and its delete removes
 * the ensemble's pods. Its methods run in Pulumi's provider host: built-in modules only.
 */
export interface PodCleanupInputs {
  namespace: string;
  /** A label selector in the API's query form, e.g. `app=zk`. */
  labelSelector: string;
  access: KubeAccess;
  /** As the Kubernetes provider's option: a cluster that no longer answers is taken as gone. */
  deleteUnreachable: boolean;
  providerVersion: string;
}

const POD_CLEANUP_PROVIDER_VERSION = "1";

const podsPath = (i: PodCleanupInputs) =>
  `/api/v1/namespaces/${encodeURIComponent(i.namespace)}/pods?labelSelector=${encodeURIComponent(i.labelSelector)}`;

const podCleanupProvider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: PodCleanupInputs) {
    // Proves now, not at destroy time, that these credentials can list (and so delete) the pods.
    const res = await kubeRequest(inputs.access, "GET", podsPath(inputs), 30000);
    if (res.status !== 200) {
      throw apiError(`checking that the ensemble's pods in namespace ${inputs.namespace} can be cleaned up at destroy`, res);
    }
    return { id: `${inputs.namespace}/${inputs.labelSelector}`, outs: inputs };
  },

  async diff(_id: string, olds: PodCleanupInputs, news: PodCleanupInputs) {
    const replaces = (["namespace", "labelSelector"] as const).filter((k) => olds[k] !== news[k]);
    return { changes: replaces.length > 0 || JSON.stringify(olds) !== JSON.stringify(news), replaces: [...replaces] };
  },

  async update(_id: string, _olds: PodCleanupInputs, news: PodCleanupInputs) {
    return { outs: news };
  },

  async delete(_id: string, props: PodCleanupInputs) {
    let res;
    try {
      res = await kubeRequest(props.access, "DELETE", podsPath(props), 30000);
    } catch (e) {
      if (props.deleteUnreachable) return;
      throw e;
    }
    if (res.status !== 200 && res.status !== 404) throw apiError(`deleting the ensemble's pods in namespace ${props.namespace}`, res);
    const deadline = Date.now() + 120000;
    for (;;) {
      const left = await kubeRequest(props.access, "GET", podsPath(props), 30000);
      if (left.status === 200 && (left.body.items ?? []).length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(
          `the ensemble's pods in namespace ${props.namespace} (${props.labelSelector}) were still there 120 s after they were deleted: ` +
            `kubectl get pods -n ${props.namespace} -l ${props.labelSelector}`,
        );
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  },
};

export interface PodCleanupArgs {
  namespace: pulumi.Input<string>;
  labelSelector: pulumi.Input<string>;
  access: pulumi.Input<KubeAccess>;
  deleteUnreachable: pulumi.Input<boolean>;
}

/** Deletes the ensemble's pods when it is itself deleted; see podCleanupProvider. */
export class PodCleanup extends pulumi.dynamic.Resource {
  constructor(name: string, args: PodCleanupArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      podCleanupProvider,
      name,
      { ...args, access: pulumi.secret(args.access), providerVersion: POD_CLEANUP_PROVIDER_VERSION },
      { ...opts, additionalSecretOutputs: ["access"] },
      "zookeeper",
      "PodCleanup",
    );
  }
}
