import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config";
import { defaultClusterName, storageProvisioner, pinnedKubeconfig, HOST_ACCESS_NODE_PORT } from "./config/derived";
import { TargetCluster } from "./components/cluster";
import { CONTROL_PLANE_TAINT } from "./components/kind";
import { ZooKeeperStorage } from "./components/storage";
import { ZooKeeperEnsemble } from "./components/zookeeper";

// Validate every setting before any resource exists: a bad stack creates nothing.
const config = loadStackConfig();
const onKind = config.clusterMode === "kind";
const hostAccess = onKind && config.exposeOnHost;

const cluster = new TargetCluster("cluster", {
  mode: config.clusterMode,
  kind: onKind
    ? {
        clusterName: config.clusterName ?? defaultClusterName(pulumi.getStack()),
        workers: config.workers,
        nodeImage: config.nodeImage,
        createTimeoutSeconds: config.kindCreateTimeoutSeconds,
        portMappings: hostAccess
          ? [{ containerPort: HOST_ACCESS_NODE_PORT, hostPort: config.hostPort, listenAddress: "127.0.0.1" }]
          : undefined,
      }
    : undefined,
  existing: config.clusterMode === "existing" ? pinnedKubeconfig(config) : undefined,
  render: config.renderYamlTo !== undefined ? { directory: config.renderYamlTo } : undefined,
});

const storage = new ZooKeeperStorage("storage", {
  provider: cluster.provider,
  name: config.storageClassName,
  provisioner: storageProvisioner(config),
  reclaimPolicy: config.storageReclaimPolicy,
  allowVolumeExpansion: config.storageAllowVolumeExpansion,
});

const ensemble = new ZooKeeperEnsemble(
  "zookeeper",
  {
    provider: cluster.provider,
    namespace: config.namespace,
    namePrefix: config.namePrefix,
    replicas: config.replicas,
    image: config.image,
    heap: config.heap,
    memory: config.memory,
    cpu: config.cpu,
    antiAffinity: config.antiAffinity,
    zoneSpread: config.zoneSpread,
    // kind taints its control plane when it has workers; tolerating that taint gives the tutorial's
    // four schedulable nodes without patching kubeadm (README: "Four schedulable nodes").
    tolerations: onKind && config.workers > 0 ? [{ ...CONTROL_PLANE_TAINT, operator: "Exists" }] : [],
    clientNodePort: hostAccess ? HOST_ACCESS_NODE_PORT : undefined,
    clusterAccess: cluster.access,
    deleteUnreachable: onKind,
    pdbMaxUnavailable: config.pdbMaxUnavailable,
    pdbMinAvailable: config.pdbMinAvailable,
    storageSize: config.storageSize,
    // Rendered manifests are applied by someone else, and a claim patch is no manifest to apply.
    expandVolumes: config.storageAllowVolumeExpansion && config.clusterMode !== "render",
    startupSeconds: config.startupTimeoutSeconds,
    storageClassName: config.storageClassName,
    clusterDomain: config.clusterDomain,
    zookeeper: {
      tickTime: config.tickTime,
      initLimit: config.initLimit,
      syncLimit: config.syncLimit,
      maxClientCnxns: config.maxClientCnxns,
      minSessionTimeout: config.minSessionTimeout,
      maxSessionTimeout: config.maxSessionTimeout,
      snapRetainCount: config.snapRetainCount,
      purgeInterval: config.purgeInterval,
    },
  },
  { dependsOn: [storage] },
);

export const namespace = ensemble.namespace;
export const serverFqdns = ensemble.serverFqdns;
export const clientEndpoint = ensemble.clientEndpoint;
export const connectionString = ensemble.connectionString;
export const clusterName = cluster.clusterName;
export const kubeconfig = cluster.kubeconfig;
export const storageClassName = storage.storageClassName;
export const hostEndpoint = hostAccess ? pulumi.output(`127.0.0.1:${config.hostPort}`) : undefined;
