import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { EnsembleOptions, PORTS, resolveEnsemble } from "./options";
import { serverFqdns, clientEndpoint, connectionString } from "./names";
import { renderConfigFiles, renderConfigMap } from "./configmap";
import { renderHeadlessService, renderClientService, renderNodePortService } from "./services";
import { renderNamespace, renderDisruptionBudget } from "./policy";
import { renderStatefulSet, renderVolumeExpansions } from "./statefulset";
import { PodCleanup } from "./pod-cleanup";
import { podSelector, labelSelectorQuery } from "./labels";
import { KubeAccess } from "../kube-api/client";

export interface ZooKeeperEnsembleArgs extends EnsembleOptions {
  /** The Kubernetes provider every object is created through; required so nothing falls back to the ambient kubeconfig. */
  provider: k8s.Provider;
  /**
   * The same cluster's API, for removing the servers' pods at destroy in a namespace the component
   * does not create (see PodCleanup). Without it such pods outlive `pulumi destroy`.
   */
  clusterAccess?: pulumi.Input<KubeAccess>;
  /** As the Kubernetes provider's option: at destroy, a cluster that no longer answers is taken as gone. Defaults to false. */
  deleteUnreachable?: boolean;
}

/**
 * A ZooKeeper ensemble: namespace, ConfigMap, headless and client Services, PodDisruptionBudget
 * and StatefulSet, with the tutorial's names by default.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
  public readonly namespace: pulumi.Output<string>;
  /** Each server's stable DNS name, e.g. zk-0.zk-hs.zookeeper.svc.cluster.local. */
  public readonly serverFqdns: pulumi.Output<string[]>;
  /** The client Service, `zk-cs.<namespace>.svc.<domain>:2181`. */
  public readonly clientEndpoint: pulumi.Output<string>;
  /** Every server's `<fqdn>:2181`, comma-separated: what a ZooKeeper client takes. */
  public readonly connectionString: pulumi.Output<string>;
  public readonly statefulSet: k8s.apps.v1.StatefulSet;

  constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kind-zookeeper:index:ZooKeeperEnsemble", name, {}, opts);
    const s = resolveEnsemble(args);
    for (const warning of s.warnings) pulumi.log.warn(warning, this);

    const childOpts = (extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions => ({
      parent: this,
      provider: args.provider,
      ...extra,
    });

    const ns = s.createNamespace
      ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: renderNamespace(s).metadata }, childOpts())
      : undefined;
    const inNamespace = ns ? childOpts({ dependsOn: [ns] }) : childOpts();

    const files = renderConfigFiles(s);
    const configMap = renderConfigMap(s, files);
    const cm = new k8s.core.v1.ConfigMap(
      `${name}-config`,
      { metadata: configMap.metadata, immutable: configMap.immutable, data: configMap.data },
      inNamespace,
    );

    const headless = renderHeadlessService(s);
    const hs = new k8s.core.v1.Service(`${name}-headless`, { metadata: headless.metadata, spec: headless.spec }, inNamespace);
    const client = renderClientService(s);
    new k8s.core.v1.Service(`${name}-client`, { metadata: client.metadata, spec: client.spec }, inNamespace);
    const nodePort = renderNodePortService(s);
    if (nodePort) {
      new k8s.core.v1.Service(`${name}-nodeport`, { metadata: nodePort.metadata, spec: nodePort.spec }, inNamespace);
    }

    const pdb = renderDisruptionBudget(s);
    if (pdb) {
      new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata: pdb.metadata, spec: pdb.spec }, inNamespace);
    }

    // Created before the StatefulSet and so deleted after it: see PodCleanup.
    let cleanup: PodCleanup | undefined;
    if (!ns && args.clusterAccess) {
      cleanup = new PodCleanup(
        `${name}-pod-cleanup`,
        {
          namespace: s.namespace,
          labelSelector: labelSelectorQuery(podSelector(s.names)),
          access: args.clusterAccess,
          deleteUnreachable: args.deleteUnreachable ?? false,
        },
        { parent: this },
      );
    } else if (!ns) {
      pulumi.log.warn(`namespace ${s.namespace} is not created by this ensemble and no cluster access was given: its pods will outlive pulumi destroy`, this);
    }

    const sts = renderStatefulSet(s, configMap.metadata.name);
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      { metadata: sts.metadata, spec: sts.spec },
      childOpts({ dependsOn: [...(ns ? [ns] : []), cm, hs, ...(cleanup ? [cleanup] : [])] }),
    );

    // Once the StatefulSet is ready its claims exist; each patch grows one to the configured size.
    for (const claim of renderVolumeExpansions(s)) {
      new k8s.core.v1.PersistentVolumeClaimPatch(
        `${name}-${claim.metadata.name}`,
        { metadata: claim.metadata, spec: claim.spec },
        // Relinquishing the size field at delete would fail (the field is required), and a claim never shrinks.
        childOpts({ dependsOn: [this.statefulSet], retainOnDelete: true }),
      );
    }

    const fqdns = serverFqdns(s.names, s.namespace, s.clusterDomain, s.replicas);
    this.namespace = pulumi.output(s.namespace);
    this.serverFqdns = pulumi.output(fqdns);
    this.clientEndpoint = pulumi.output(clientEndpoint(s.names, s.namespace, s.clusterDomain, PORTS.client));
    this.connectionString = pulumi.output(connectionString(fqdns, PORTS.client));
    this.registerOutputs({
      namespace: this.namespace,
      serverFqdns: this.serverFqdns,
      clientEndpoint: this.clientEndpoint,
      connectionString: this.connectionString,
    });
  }
}
