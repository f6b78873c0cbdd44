import * as os from "os";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "./config";
import { toComponents } from "./config/to-components";
import { kindMemoryWarning, plainSecretsInRender } from "./config/advice";
import { TargetCluster } from "./components/cluster";
import { ZooKeeperStorage } from "./components/storage";
import { ZooKeeperEnsemble } from "./components/zookeeper";
import { ScheduledBackup } from "./components/backup";

/** The stack: its outputs are what this function returns (an output a mode lacks is left out). */
export = (): Record<string, pulumi.Output<unknown>> => {
  // Validate every setting before any resource exists: a bad stack creates nothing.
  const config = loadStackConfig();
  const args = toComponents(config);

  const cluster = new TargetCluster("cluster", args.cluster);
  const storage = new ZooKeeperStorage("storage", args.storage, { provider: cluster.provider });
  const ensemble = new ZooKeeperEnsemble(
    "zookeeper",
    { ...args.ensemble, clusterAccess: cluster.access },
    { provider: cluster.provider, dependsOn: [storage] },
  );

  if (config.clusterMode === "kind") {
    const tooMuch = kindMemoryWarning(ensemble.memoryPerServer, config.replicas, os.totalmem());
    if (tooMuch) pulumi.log.warn(tooMuch);
  }

  if (config.clusterMode === "render" && ensemble.secretNames.length > 0) {
    pulumi.all(ensemble.secretNames).apply((names) => pulumi.log.warn(plainSecretsInRender(config.renderYamlTo!, config.namespace, names)));
  }

  if (args.backup) {
    new ScheduledBackup(
      "backup",
      { ...args.backup, ensemble: ensemble.inCluster },
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
    ...(args.hostEndpoint ? { hostEndpoint: pulumi.output(args.hostEndpoint) } : {}),
    ...(ensemble.caCertificate ? { caCertificate: ensemble.caCertificate } : {}),
    ...(ensemble.adminPassword ? { adminPassword: ensemble.adminPassword } : {}),
    ...(ensemble.tenants ? { tenants: ensemble.tenants } : {}),
    ...(ensemble.tenantPlan ? { tenantPlan: ensemble.tenantPlan } : {}),
  };
};
