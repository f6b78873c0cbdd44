import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { requireKubernetesProvider } from "../cluster/provider-option";
import { MANAGED_BY } from "../managed-by";

/** The provisioner kind ships: volumes are directories on the node the pod runs on. */
export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";

export interface StorageClassOptions {
  /** StorageClass name. */
  name: string;
  /** CSI driver or provisioner, e.g. rancher.io/local-path on kind, ebs.csi.aws.com on EKS. */
  provisioner: string;
  /** What happens to a volume when its claim is deleted. Retain keeps the data (the tutorial's durable storage). */
  reclaimPolicy: "Retain" | "Delete";
  /** Whether claims may grow later; the provisioner must support it (local-path does not). */
  allowVolumeExpansion: boolean;
}

/**
 * The class of the servers' data volumes. WaitForFirstConsumer: a volume is made where its pod is
 * scheduled, so a node-local volume never pins a pod to a node the anti-affinity rules out.
 */
function renderStorageClass(o: StorageClassOptions) {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: o.name, labels: { "app.kubernetes.io/managed-by": MANAGED_BY } },
    provisioner: o.provisioner,
    reclaimPolicy: o.reclaimPolicy,
    volumeBindingMode: "WaitForFirstConsumer",
    allowVolumeExpansion: o.allowVolumeExpansion,
  };
}

/**
 * The API server forbids updating a StorageClass's provisioner, parameters, reclaimPolicy and
 * volumeBindingMode (kubernetes pkg/apis/storage/validation/validation.go,
 * ValidateStorageClassUpdate), but pulumi-kubernetes replaces one only for provisioner and
 * parameters (provider/pkg/provider/diff.go): the other two must force the replacement. It keeps
 * its name, so the old one must go first; volumes already made keep their own reclaim policy.
 */
const STORAGE_CLASS_REPLACEMENT: Pick<pulumi.CustomResourceOptions, "replaceOnChanges" | "deleteBeforeReplace"> = {
  replaceOnChanges: ["reclaimPolicy", "volumeBindingMode"],
  deleteBeforeReplace: true,
};

export type ZooKeeperStorageArgs = StorageClassOptions;

export class ZooKeeperStorage extends pulumi.ComponentResource {
  public readonly storageClass: k8s.storage.v1.StorageClass;
  public readonly storageClassName: pulumi.Output<string>;

  constructor(name: string, args: ZooKeeperStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kind-zookeeper:index:ZooKeeperStorage", name, {}, opts);
    requireKubernetesProvider("ZooKeeperStorage", opts);
    const { apiVersion: _a, kind: _k, ...spec } = renderStorageClass(args);
    this.storageClass = new k8s.storage.v1.StorageClass(`${name}-class`, spec, { parent: this, ...STORAGE_CLASS_REPLACEMENT });
    this.storageClassName = this.storageClass.metadata.name;
    this.registerOutputs({ storageClassName: this.storageClassName });
  }
}
