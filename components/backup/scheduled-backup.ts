import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { renderBackupClaim, renderBackupConfigMap, renderBackupCronJob, BackupJobInput, BACKUP_DEFAULTS } from "./cronjob";
import { readJobsBundle } from "../node-job/bundle-file";
import { requireKubernetesProvider } from "../cluster/provider-option";
import type { EnsembleInCluster } from "../zookeeper/ensemble";

export interface ScheduledBackupArgs {
  /** The ensemble to back up, as a client in the cluster reaches it (ZooKeeperEnsemble.inCluster). */
  ensemble: EnsembleInCluster;
  /** Cron schedule in UTC (validateCron). */
  schedule: string;
  /** Backups kept. Defaults to 7. */
  retain?: number;
  /** Size of the backup claim. Defaults to 5Gi. */
  storageSize?: string;
  /** StorageClass of the backup claim. Defaults to the cluster's default class. */
  storageClassName?: string;
  /** Grow the claim in place when storageSize grows (the StorageClass must allow expansion). Defaults to false. */
  expandVolume?: boolean;
}

/**
 * Backups on a schedule: a CronJob running the bundled backup job (the code of `npm run backup`)
 * against the client Service, its code in an immutable ConfigMap, and a claim of its own.
 */
export class ScheduledBackup extends pulumi.ComponentResource {
  public readonly cronJobName: pulumi.Output<string>;
  public readonly claimName: pulumi.Output<string>;

  constructor(name: string, args: ScheduledBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("kind-zookeeper:index:ScheduledBackup", name, {}, opts);
    requireKubernetesProvider("ScheduledBackup", opts);
    const e = args.ensemble;
    const input: BackupJobInput = {
      namespace: e.namespace,
      names: e.names,
      schedule: args.schedule,
      retain: args.retain ?? BACKUP_DEFAULTS.retain,
      storageSize: args.storageSize ?? BACKUP_DEFAULTS.storageSize,
      storageClassName: args.storageClassName,
      clientEndpoint: e.clientEndpoint,
      clientLabels: e.clientPodLabels,
      saslUser: e.admin,
    };

    const cmRender = renderBackupConfigMap(input, readJobsBundle());
    const cm = new k8s.core.v1.ConfigMap(
      `${name}-code`,
      { metadata: cmRender.metadata, immutable: cmRender.immutable, data: cmRender.data },
      { parent: this },
    );
    const claimRender = renderBackupClaim(input);
    // The claim holds the backups: a later storageClassName never replaces it (pulumi-kubernetes
    // replaces a claim whose class changes: provider/pkg/provider/diff.go at v4.32.0), and a new size
    // is applied only where the class can grow it (the API server refuses otherwise).
    const claim = new k8s.core.v1.PersistentVolumeClaim(
      `${name}-claim`,
      { metadata: claimRender.metadata, spec: claimRender.spec },
      { parent: this, ignoreChanges: args.expandVolume ? ["spec.storageClassName"] : ["spec.storageClassName", "spec.resources"] },
    );
    const cronRender = renderBackupCronJob(input, cmRender.metadata.name);
    const cronJob = new k8s.batch.v1.CronJob(
      `${name}-cronjob`,
      { metadata: cronRender.metadata, spec: cronRender.spec },
      { parent: this, dependsOn: [cm, claim] },
    );
    this.cronJobName = cronJob.metadata.name;
    this.claimName = claim.metadata.name;
    this.registerOutputs({ cronJobName: this.cronJobName, claimName: this.claimName });
  }
}
