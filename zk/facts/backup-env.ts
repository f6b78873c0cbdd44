// The environment the CronJob gives the backup job (components/backup/cronjob.ts) and the job reads
// (jobs/backup.ts): one table, so the two cannot drift apart.
export const BACKUP_ENV = {
  /** host:port[,host:port...] of the ensemble: the client Service. Required. */
  servers: "ZK_SERVERS",
  /** Directory the backups are written to and pruned in: the backup volume. Required. */
  dir: "BACKUP_DIR",
  /** How many backups to keep, the one just written included: an integer >= 1. Required. */
  retain: "BACKUP_RETAIN",
  /** Optional: one credential, <scheme>:<credentials> (digest:user:password), from a Secret. */
  auth: "ZK_AUTH",
  /** Optional: the SASL user to authenticate as (the ensemble's super user under clientAuth digest)... */
  saslUsername: "ZK_SASL_USERNAME",
  /** ...and its password, from a Secret. Both or neither. */
  saslPassword: "ZK_SASL_PASSWORD",
  /** Optional: container patterns, as `npm run backup --containers` takes them (/locks/*,/leader). */
  containers: "BACKUP_CONTAINERS",
  /** Optional: seconds to wait for a session and for each request (default 10, as the command). */
  timeout: "BACKUP_TIMEOUT_SECONDS",
  /**
   * Optional: the Job's activeDeadlineSeconds. A `.partial` file older than that belongs to a run
   * Kubernetes has already killed, and is removed after the next successful backup.
   */
  deadline: "BACKUP_DEADLINE_SECONDS",
} as const;
