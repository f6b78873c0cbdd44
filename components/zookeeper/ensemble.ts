import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { EnsembleOptions, PORTS, resolveEnsembleSettings } from "./settings";
import { serverFqdns, clientEndpoint, connectionString } from "./names";
import { renderConfigFiles, renderConfigMap } from "./configmap";
import { renderHeadlessService, renderClientService, renderNodePortService } from "./services";
import { renderNamespace, renderDisruptionBudget } from "./policy";
import { renderStatefulSet } from "./statefulset";

export interface ZooKeeperEnsembleArgs extends EnsembleOptions {
  /** The Kubernetes provider every object is created through; required so nothing falls back to the ambient kubeconfig. */
  provider: k8s.Provider;
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
    const s = resolveEnsembleSettings(args);
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

    const sts = renderStatefulSet(s, configMap.metadata.name);
    this.statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-statefulset`,
      { metadata: sts.metadata, spec: sts.spec },
      childOpts({ dependsOn: [...(ns ? [ns] : []), cm, hs] }),
    );

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
