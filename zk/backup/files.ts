// The backup files the job writes and prunes. The name carries the UTC start time with fixed width,
// so name order is time order; it has no colon, which `kubectl cp` would read as <pod>:<path>.
// Only names of exactly this shape are ever deleted: anything else in the directory is the user's.

/** zk-20260821T165311.123Z.jsonl */
const BACKUP = /^zk-(\d{8}T\d{6}\.\d{3}Z)\.jsonl$/;
/** What zk/backup/file-writer.ts writes before the rename: `<out>.partial`. */
const PARTIAL = /^zk-(\d{8}T\d{6}\.\d{3}Z)\.jsonl\.partial$/;

export function backupFileName(at: Date): string {
  return `zk-${at.toISOString().replace(/[-:]/g, "")}.jsonl`;
}

export function isBackupFile(name: string): boolean {
  return BACKUP.test(name);
}

/** The start time a backup or partial file's name records, or undefined for any other name. */
function recordedTime(name: string): Date | undefined {
  const stamp = (BACKUP.exec(name) ?? PARTIAL.exec(name))?.[1];
  if (stamp === undefined) return undefined;
  const iso = stamp.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/, "$1-$2-$3T$4:$5:$6");
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? undefined : time;
}

export interface PruneInput {
  /** Every name in the backup directory. */
  names: string[];
  /** The backup this run wrote: always kept, whatever the clock did. */
  written: string;
  /** Backups to keep, `written` included (>= 1). */
  retain: number;
  now: Date;
  /** A partial file older than this belongs to a run Kubernetes killed (its activeDeadlineSeconds). */
  staleAfterMs?: number;
}

/** The names to delete: the oldest backups beyond `retain`, and partial files of killed runs. */
export function planPrune(input: PruneInput): string[] {
  const others = input.names
    .filter((n) => isBackupFile(n) && n !== input.written)
    .sort()
    .reverse();
  const surplus = others.slice(Math.max(0, input.retain - 1));
  const stale =
    input.staleAfterMs === undefined
      ? []
      : input.names.filter((n) => {
          const time = PARTIAL.test(n) ? recordedTime(n) : undefined;
          return time !== undefined && input.now.getTime() - time.getTime() > input.staleAfterMs!;
        });
  return [...surplus.sort(), ...stale.sort()];
}
