import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { KindCluster, KindClusterArgs } from "../kind";

export type ClusterMode = "kind" | "existing" | "render";

export interface TargetClusterArgs {
  mode: ClusterMode;
  /** mode kind: the local cluster to create. */
  kind?: KindClusterArgs;
  /** mode existing: a kubeconfig (path or content) and optionally one of its contexts. */
  existing?: { kubeconfig: pulumi.Input<string>; context?: string };
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

  constructor(name: string, args: TargetClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kind-zookeeper:index:TargetCluster", name, {}, opts);
    switch (args.mode) {
      case "kind": {
        if (!args.kind) throw new Error("TargetCluster: mode kind needs the kind cluster's settings");
        this.kindCluster = new KindCluster(`${name}-kind`, args.kind, { parent: this });
        this.clusterName = this.kindCluster.name;
        this.kubeconfig = pulumi.secret(this.kindCluster.kubeconfig);
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
        this.kubeconfig = pulumi.secret(args.existing.kubeconfig);
        this.clusterName = args.existing.context === undefined ? undefined : pulumi.output(args.existing.context);
        this.provider = new k8s.Provider(
          `${name}-k8s`,
          { kubeconfig: this.kubeconfig, ...(args.existing.context ? { context: args.existing.context } : {}) },
          { parent: this },
        );
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
