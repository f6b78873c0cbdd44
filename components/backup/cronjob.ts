// Scheduled backups in the cluster: a CronJob that runs the bundled backup job (jobs/backup.ts) with a
// pinned official Node.js image against the client Service, and keeps the newest `retain` backups on
// a volume claim of its own. Pure render functions, like components/zookeeper/services.ts.
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { podSelector } from "../zookeeper/labels";
import { EnsembleNames } from "../zookeeper/names";
import { BACKUP_ENV } from "../../zk/facts/backup-env";
import { NODE_JOB_CODE, NODE_JOB_IMAGE, nodeJobCode, renderNodeJobPodSpec } from "../node-job/pod";
import { MANAGED_BY } from "../managed-by";

export { validateCron } from "./cron";

/** The image is the jobs' own (components/node-job). */
export const BACKUP_DEFAULTS = { image: NODE_JOB_IMAGE, retain: 7, storageSize: "5Gi" } as const;

/**
 * Bounds of each run. Forbid: a slow backup is never joined by a second one on the same volume.
 * startingDeadlineSeconds: a run missed by more than this (controller down) is skipped, and the
 * controller counts only the misses within it (past 100 misses it stops scheduling altogether).
 */
export const BACKUP_JOB_LIMITS = {
  activeDeadlineSeconds: 3600,
  backoffLimit: 2,
  startingDeadlineSeconds: 600,
  successfulJobsHistoryLimit: 3,
  failedJobsHistoryLimit: 3,
} as const;

export const BACKUP_PATHS = { backups: "/backups", code: NODE_JOB_CODE.dir, tmp: "/tmp" } as const;

export interface BackupJobInput {
  namespace: string;
  names: EnsembleNames;
  /** A cron expression that validateCron accepts; it runs in UTC. */
  schedule: string;
  /** Backups to keep (>= 1). */
  retain: number;
  /** Size of the backup claim: at least retain + 1 backups (the new one is written before the oldest goes). */
  storageSize: string;
  /** StorageClass of the backup claim; the cluster's default when unset. */
  storageClassName?: string;
  /** host:port of the client Service (names.ts clientEndpoint). */
  clientEndpoint: string;
  /** Defaults to BACKUP_DEFAULTS.image; it must run Node.js 20 or newer as UID 1000. */
  image?: string;
  /** A Secret key holding one credential, digest:user:password, for znodes the world cannot read. */
  authSecret?: { name: string; key: string };
  /**
   * The SASL user the job authenticates as, its password in a Secret key: the ensemble's super user
   * when clients must authenticate (ZooKeeperEnsemble.inCluster.admin).
   */
  saslUser?: { username: string; passwordSecret: { name: pulumi.Input<string>; key: string } };
  /** Container patterns, as `npm run backup --containers` takes them. */
  containerPatterns?: string[];
  /**
   * Labels the backup pods also carry, e.g. the one a NetworkPolicy admits to the client port
   * (clientAccess `labelled`). Never the ensemble's own selector.
   */
  clientLabels?: Record<string, string>;
}

/** Object names: zk-backup (CronJob, claim) and zk-backup-job-<hash> (ConfigMap). The CronJob's may be at most 52 characters. */
export function backupNames(names: EnsembleNames) {
  const base = `${names.statefulSet}-backup`;
  return { cronJob: base, claim: base, configMapPrefix: `${base}-job` };
}

/**
 * Labels of the backup objects and pods. Not the ensemble's pod selector (`app: zk`): the Services,
 * the PodDisruptionBudget, anti-affinity and the PodMonitor select by it, and must never pick a
 * backup pod.
 */
export function backupLabels(names: EnsembleNames): Record<string, string> {
  return {
    "app.kubernetes.io/name": "zookeeper-backup",
    "app.kubernetes.io/instance": names.statefulSet,
    "app.kubernetes.io/component": "backup",
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

/**
 * The bundled job, in an immutable ConfigMap named by its digest, like the servers' zk-config-<hash>:
 * pulumi-kubernetes replaces a ConfigMap whose data changes (delete first, as the name is fixed),
 * so a new bundle makes a new ConfigMap and the CronJob's next run picks it up. The API server
 * refuses a ConfigMap whose data exceeds 1 MiB (kubernetes.io, concepts/configuration/configmap).
 */
export function renderBackupConfigMap(input: BackupJobInput, bundle: string) {
  const hash = createHash("sha256").update(bundle).digest("hex").slice(0, 16);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name: `${backupNames(input.names).configMapPrefix}-${hash}`,
      namespace: input.namespace,
      labels: backupLabels(input.names),
    },
    immutable: true,
    data: nodeJobCode(bundle),
  };
}

/** The backups' own volume: ReadWriteOnce, as only one run at a time writes to it. */
export function renderBackupClaim(input: BackupJobInput) {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: backupNames(input.names).claim, namespace: input.namespace, labels: backupLabels(input.names) },
    spec: {
      accessModes: ["ReadWriteOnce"],
      ...(input.storageClassName ? { storageClassName: input.storageClassName } : {}),
      resources: { requests: { storage: input.storageSize } },
    },
  };
}

/** The backup pods' labels: backupLabels plus clientLabels; refuses the ensemble's selector (see backupLabels). */
function podLabels(input: BackupJobInput): Record<string, string> {
  const selector = podSelector(input.names);
  const clash = Object.entries(input.clientLabels ?? {}).find(([k, v]) => selector[k] === v);
  if (clash) throw new Error(`backup pods cannot carry ${clash[0]}=${clash[1]}: the ensemble's Services and budget select by it`);
  return { ...input.clientLabels, ...backupLabels(input.names) };
}

function renderEnv(input: BackupJobInput) {
  return [
    { name: BACKUP_ENV.servers, value: input.clientEndpoint },
    { name: BACKUP_ENV.dir, value: BACKUP_PATHS.backups },
    { name: BACKUP_ENV.retain, value: String(input.retain) },
    { name: BACKUP_ENV.deadline, value: String(BACKUP_JOB_LIMITS.activeDeadlineSeconds) },
    ...(input.containerPatterns?.length ? [{ name: BACKUP_ENV.containers, value: input.containerPatterns.join(",") }] : []),
    ...(input.authSecret
      ? [{ name: BACKUP_ENV.auth, valueFrom: { secretKeyRef: { name: input.authSecret.name, key: input.authSecret.key } } }]
      : []),
    ...(input.saslUser
      ? [
          { name: BACKUP_ENV.saslUsername, value: input.saslUser.username },
          { name: BACKUP_ENV.saslPassword, valueFrom: { secretKeyRef: input.saslUser.passwordSecret } },
        ]
      : []),
  ];
}

/** The CronJob; `configMapName` is renderBackupConfigMap's (it changes with the bundle). */
export function renderBackupCronJob(input: BackupJobInput, configMapName: string) {
  const labels = backupLabels(input.names);
  const { activeDeadlineSeconds, backoffLimit, ...schedule } = BACKUP_JOB_LIMITS;
  return {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: backupNames(input.names).cronJob, namespace: input.namespace, labels },
    spec: {
      schedule: input.schedule,
      // Explicit, so the schedule and the UTC file names agree whatever the controller's local zone.
      timeZone: "Etc/UTC",
      concurrencyPolicy: "Forbid",
      ...schedule,
      jobTemplate: {
        metadata: { labels },
        spec: {
          activeDeadlineSeconds,
          backoffLimit,
          template: {
            metadata: { labels: podLabels(input) },
            spec: renderNodeJobPodSpec({
              job: "backup",
              container: "backup",
              image: input.image,
              env: renderEnv(input),
              // Measured: 210 MB peak RSS backing up 100 znodes of 900 KB among 300 (the walk holds up
              // to 32 MB of data read ahead, plus its base64 and JSON copies); an empty tree 47 MB.
              resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "512Mi" } },
              codeConfigMap: configMapName,
              volumes: [
                {
                  volume: { name: "backups", persistentVolumeClaim: { claimName: backupNames(input.names).claim } },
                  mountPath: BACKUP_PATHS.backups,
                },
                { volume: { name: "tmp", emptyDir: { sizeLimit: "64Mi" } }, mountPath: BACKUP_PATHS.tmp },
              ],
            }),
          },
        },
      },
    },
  };
}
