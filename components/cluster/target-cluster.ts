import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KindCluster, KindClusterArgs } from "../kind";
import { PinnedKubeconfig } from "../kube-api/kubeconfig";
import { KubeAccess, kindKubeAccess } from "../kube-api/client";

export type ClusterMode = "kind" | "existing" | "render";

export interface TargetClusterArgs {
  mode: ClusterMode;
  /** mode kind: the local cluster to create. */
  kind?: KindClusterArgs;
  /** mode existing: the kubeconfig pinned to the context to deploy to (see pinKubeconfig). */
  existing?: PinnedKubeconfig;
  /** mode render: the directory the manifests are written to instead of a cluster. */
  render?: { directory: string };
}

/**
 * Where the ensemble goes, and the one Kubernetes provider that gets it there. Every mode builds
 * its provider from explicit settings, so nothing falls back to the ambient kubeconfig.
 */
export class TargetCluster extends pulumi.ComponentResource {
  public readonly provider: k8s.Provider;
  public readonly kindCluster?: KindCluster;
  /** The kind cluster's name, or the existing cluster's context. */
  public readonly clusterName?: pulumi.Output<string>;
  /** Secret. */
  public readonly kubeconfig?: pulumi.Output<string>;
  /** Secret: how the dynamic providers reach the same cluster, where they can. */
  public readonly access?: pulumi.Output<KubeAccess>;

  constructor(name: string, args: TargetClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kind-zookeeper:index:TargetCluster", name, {}, opts);
    switch (args.mode) {
      case "kind": {
        if (!args.kind) throw new Error("TargetCluster: mode kind needs the kind cluster's settings");
        this.kindCluster = new KindCluster(`${name}-kind`, args.kind, { parent: this });
        this.clusterName = this.kindCluster.name;
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
        if (!args.existing) throw new Error("TargetCluster: mode existing needs a kubeconfig");
        this.kubeconfig = pulumi.secret(args.existing.content);
        if (!("unsupported" in args.existing.access)) this.access = pulumi.secret(args.existing.access);
        this.clusterName = pulumi.output(args.existing.context);
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, context: args.existing.context }, { parent: this });
        break;
      }
      case "render": {
        if (!args.render) throw new Error("TargetCluster: mode render needs a directory");
        this.provider = new k8s.Provider(`${name}-k8s`, { renderYamlToDirectory: args.render.directory }, { parent: this });
        break;
      }
    }
    this.registerOutputs({ clusterName: this.clusterName, kubeconfig: this.kubeconfig });
  }
}
