export { ScheduledBackup, ScheduledBackupArgs } from "./scheduled-backup";
export { validateCron, BACKUP_DEFAULTS } from "./cronjob";
