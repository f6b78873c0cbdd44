import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KindCluster, KindClusterArgs } from "../kind";
import { PinnedKubeconfig } from "../kube-api/kubeconfig";
import { KubeAccess, kindKubeAccess } from "../kube-api/client";

export type ClusterMode = TargetClusterArgs["mode"];

/** Where the ensemble goes, one shape per mode. */
export type TargetClusterArgs =
  /** A local cluster created with kind. */
  | { mode: "kind"; kind: KindClusterArgs }
  /** A cluster you have: its kubeconfig pinned to the context to deploy to (see pinKubeconfig). */
  | { mode: "existing"; kubeconfig: PinnedKubeconfig }
  /** No cluster: the manifests are written to this directory instead. */
  | { mode: "render"; directory: string };

/**
 * Where the ensemble goes, and the one Kubernetes provider that gets it there. Every mode builds
 * its provider from explicit settings, so nothing falls back to the ambient kubeconfig.
 */
export class TargetCluster extends pulumi.ComponentResource {
  public readonly provider: k8s.Provider;
  public readonly kindCluster?: KindCluster;
  /** The kubectl context that reaches the cluster: kind-<name> for kind; none when rendering. */
  public readonly kubeContext?: pulumi.Output<string>;
  /** Secret: the kubeconfig the provider uses. */
  public readonly kubeconfig?: pulumi.Output<string>;
  /** Secret: how the dynamic providers reach the same cluster, where they can. */
  public readonly access?: pulumi.Output<KubeAccess>;

  constructor(name: string, args: TargetClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kind-zookeeper:index:TargetCluster", name, {}, opts);
    switch (args.mode) {
      case "kind": {
        this.kindCluster = new KindCluster(`${name}-kind`, args.kind, { parent: this });
        this.kubeContext = this.kindCluster.name.apply((n) => `kind-${n}`);
        this.kubeconfig = pulumi.secret(this.kindCluster.kubeconfig);
        this.access = pulumi.secret(this.kubeconfig.apply(kindKubeAccess));
        this.provider = new k8s.Provider(
          `${name}-k8s`,
          // A laptop cluster deleted by hand must not leave `pulumi destroy` stuck on its objects.
          { kubeconfig: this.kubeconfig, deleteUnreachable: true },
          { parent: this },
        );
        break;
      }
      case "existing": {
        const pinned = args.kubeconfig;
        this.kubeconfig = pulumi.secret(pinned.content);
        if (!("unsupported" in pinned.access)) this.access = pulumi.secret(pinned.access);
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, context: pinned.context }, { parent: this });
        this.kubeContext = this.provider.urn.apply(() => pinned.context);
        break;
      }
      case "render": {
        this.provider = new k8s.Provider(`${name}-k8s`, { renderYamlToDirectory: args.directory }, { parent: this });
        break;
      }
    }
    this.registerOutputs({ kubeContext: this.kubeContext, kubeconfig: this.kubeconfig });
  }
}
