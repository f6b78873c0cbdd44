import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config";
import { defaultClusterName, storageProvisioner, pinnedKubeconfig, clientAccessOf, labelOf, HOST_ACCESS_NODE_PORT } from "./config/derived";
import { STACK_KIND_ADVICE, STACK_MONITORING_ADVICE, kindMemoryWarning, plainSecretsInRender } from "./config/advice";
import { TargetCluster, TargetClusterArgs } from "./components/cluster";
import { CONTROL_PLANE_TAINT } from "./components/kind";
import { ZooKeeperStorage } from "./components/storage";
import { ZooKeeperEnsemble } from "./components/zookeeper";
import { ScheduledBackup } from "./components/backup";
import { parseClientUsers } from "./components/zookeeper/client-auth";

/** The stack: its outputs are what this function returns (an output a mode lacks is left out). */
export = (): Record<string, pulumi.Output<unknown>> => {
  // Validate every setting before any resource exists: a bad stack creates nothing.
  const config = loadStackConfig();
  const onKind = config.clusterMode === "kind";
  const hostAccess = onKind && config.exposeOnHost;

  const target: TargetClusterArgs =
    config.clusterMode === "kind"
      ? {
          mode: "kind",
          kind: {
            clusterName: config.clusterName ?? defaultClusterName(pulumi.getProject(), pulumi.getStack()),
            workers: config.workers,
            nodeImage: config.nodeImage,
            createTimeoutSeconds: config.kindCreateTimeoutSeconds,
            advice: STACK_KIND_ADVICE,
            portMappings: hostAccess
              ? [{ containerPort: HOST_ACCESS_NODE_PORT, hostPort: config.hostPort, listenAddress: "127.0.0.1" }]
              : undefined,
          },
        }
      : config.clusterMode === "existing"
        ? { mode: "existing", kubeconfig: pinnedKubeconfig(config) }
        : { mode: "render", directory: config.renderYamlTo! };
  const cluster = new TargetCluster("cluster", target);

  const storage = new ZooKeeperStorage(
    "storage",
    {
      name: config.storageClassName,
      provisioner: storageProvisioner(config),
      reclaimPolicy: config.storageReclaimPolicy,
      allowVolumeExpansion: config.storageAllowVolumeExpansion,
    },
    { provider: cluster.provider },
  );

  const ensemble = new ZooKeeperEnsemble(
    "zookeeper",
    {
      namespace: config.namespace,
      namePrefix: config.namePrefix,
      replicas: config.replicas,
      membership: config.membership,
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
      networkPolicy: config.networkPolicy,
      clientAccess: clientAccessOf(config),
      tls:
        config.tls === "off"
          ? undefined
          : config.tlsSecretName !== undefined
            ? { mode: "secret", secretName: config.tlsSecretName }
            : { mode: "generated" },
      tlsStage: config.tls === "off" ? undefined : config.tls,
      // In memory only as plain text: the state and the Secret get them as secrets.
      clientAuth: config.clientAuth === "digest" ? { users: pulumi.secret(parseClientUsers(config.clientUsers!)) } : undefined,
      metrics: config.metrics,
      metricsAccessNamespace: config.metricsAccessNamespace,
      monitoring: config.podMonitor ? { labels: labelOf(config.podMonitorLabel), advice: STACK_MONITORING_ADVICE } : undefined,
      timing: config.timing,
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
    { provider: cluster.provider, dependsOn: [storage] },
  );

  if (onKind) {
    const tooMuch = kindMemoryWarning(ensemble.memoryPerServer, config.replicas, os.totalmem());
    if (tooMuch) pulumi.log.warn(tooMuch);
  }

  if (config.clusterMode === "render" && ensemble.secretNames.length > 0) {
    pulumi.all(ensemble.secretNames).apply((names) => pulumi.log.warn(plainSecretsInRender(config.renderYamlTo!, config.namespace, names)));
  }

  if (config.backupSchedule !== undefined) {
    new ScheduledBackup(
      "backup",
      {
        ensemble: ensemble.inCluster,
        schedule: config.backupSchedule,
        retain: config.backupRetain,
        storageSize: config.backupStorageSize,
        storageClassName: config.storageClassName,
        expandVolume: config.storageAllowVolumeExpansion && config.clusterMode !== "render",
      },
      { provider: cluster.provider, dependsOn: [ensemble, storage] },
    );
  }

  return {
    namespace: ensemble.namespace,
    serverFqdns: ensemble.serverFqdns,
    clientEndpoint: ensemble.clientEndpoint,
    connectionString: ensemble.connectionString,
    storageClassName: storage.storageClassName,
    ...(cluster.kubeContext ? { kubeContext: cluster.kubeContext } : {}),
    ...(cluster.kubeconfig ? { kubeconfig: cluster.kubeconfig } : {}),
    ...(hostAccess ? { hostEndpoint: pulumi.output(`127.0.0.1:${config.hostPort}`) } : {}),
    ...(ensemble.caCertificate ? { caCertificate: ensemble.caCertificate } : {}),
    ...(ensemble.adminPassword ? { adminPassword: ensemble.adminPassword } : {}),
  };
};
