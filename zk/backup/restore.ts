// Restores a backup file into an ensemble. A plain connection to the servers comes first (a wrong
// address fails at once, session.ts), then the file is checked whole (file-reader.ts), so a
// truncated or foreign file changes nothing; then, in fail mode, every znode of the backup is
// looked up in the target and any existing one refuses the restore before anything is written.
// Only then is the report (report.ts) created, and the Restorer (restorer.ts) creates the znodes
// and records each in it: a restore refused or failed before that writes no report, so its rerun
// with the same --report is not refused for the report's sake.
import { ZkClient } from "../zk-client";
import { findConflicts } from "./conflicts";
import { explain } from "./explain";
import { scanBackup, ScanResult } from "./file-reader";
import { BackupHeader } from "./format";
import { DEFAULT_JUTE_MAXBUFFER } from "./limits";
import { RestoreCounts, RestoreReport } from "./report";
import { Restorer, RestoreOptions } from "./restorer";
import { checkReachable, openSession } from "./session";
import { Interrupted } from "./tasks";

/** The restore did not complete; its report, if it got as far as writing one, says what it did. Exit 1. */
export class RestoreFailed extends Error {
  constructor(
    message: string,
    readonly counts: RestoreCounts,
    readonly reportPath?: string,
  ) {
    super(message);
  }
}

export type { OnConflict, RestoreOptions } from "./restorer";

export interface RestoreResult {
  header: BackupHeader;
  counts: RestoreCounts;
  reportPath: string;
}

export async function runRestore(options: RestoreOptions): Promise<RestoreResult> {
  // Before the file, which can take a while to check: a wrong address should not wait for it.
  await checkReachable(options.endpoint, options.connectMs);
  const scan: ScanResult = await scanBackup(options.file);
  if (options.signal?.aborted) throw new Interrupted();
  if (scan.largest.requestBytes > DEFAULT_JUTE_MAXBUFFER) {
    options.warn?.(
      `${scan.largest.path} needs a ${scan.largest.requestBytes}-byte create request, more than ZooKeeper's default jute.maxbuffer ` +
        `(${DEFAULT_JUTE_MAXBUFFER}); unless the target servers run with a larger -Djute.maxbuffer, they will drop the connection for it`,
    );
  }
  const zk = await openSession(options.endpoint, options);
  const counts: RestoreCounts = {
    znodes: scan.trailer.counts.nodes,
    created: 0,
    containersCreated: 0,
    skipped: 0,
    overwritten: 0,
    root: "not reached",
    sequenceParents: 0,
    sequenceCreates: 0,
    aclsAfterChildren: 0,
    inDoubt: 0,
  };
  let report: RestoreReport | undefined;
  try {
    if (options.onConflict === "fail") {
      const conflicts = await findConflicts(zk, options.file, options.concurrency ?? 256, options.signal);
      if (conflicts.count > 0) {
        const message =
          `refused: ${conflicts.count} of the backup's znodes already exist in the target (${conflicts.examples.join(", ")}${conflicts.count > conflicts.examples.length ? ", ..." : ""}); ` +
          "nothing was changed. Restore into an empty ensemble, or choose --on-conflict skip (keep what is there) or --on-conflict overwrite (replace their data and ACLs)";
        throw new RestoreFailed(message, counts);
      }
    }
    report = new RestoreReport(options.reportPath, {
      backup: options.file,
      source: scan.header.source,
      backupStartedAt: scan.header.startedAt,
      target: options.endpoint.description,
      onConflict: options.onConflict,
      startedAt: new Date().toISOString(),
    });
    const restorer = new Restorer(zk, options, report, counts);
    await restorer.run();
    if (restorer.failed === undefined) {
      report.close("ok", counts);
      return { header: scan.header, counts, reportPath: options.reportPath };
    }
    const lookup = afterFailureLookup(zk, options);
    try {
      await restorer.settleAfterFailure(lookup.exists);
    } finally {
      lookup.close();
    }
    const reason = explain(restorer.failed);
    const temporary = restorer.temporaryAclCount;
    const message =
      `restore failed: ${reason}. Created ${counts.created} znodes before it stopped` +
      (counts.inDoubt ? `, ${counts.inDoubt} more in doubt` : "") +
      (temporary ? `; ${temporary} still carry a temporary ACL` : "") +
      `; the report lists each. ${restorer.failed instanceof Interrupted ? "Rerun" : "Fix the cause and rerun"} with --on-conflict overwrite` +
      (options.reportNamed ? " and another --report (this one stays the record of this run)" : "") +
      " to complete the restore";
    report.close("failed", counts, reason);
    throw new RestoreFailed(message, counts, options.reportPath);
  } catch (e) {
    if (e instanceof RestoreFailed) throw e;
    if (report) {
      report.close("failed", counts, explain(e));
      throw new RestoreFailed(`restore failed: ${explain(e)}; the report lists what was done`, counts, options.reportPath);
    }
    throw new RestoreFailed(`restore failed before writing anything: ${explain(e)}; nothing was changed`, counts);
  } finally {
    zk.close();
  }
}

/**
 * Whether znodes exist, asked through this session or, once it fails, through one new session;
 * null when neither answers (each ask is bounded, and a dead ensemble costs one connect bound).
 */
function afterFailureLookup(zk: ZkClient, options: RestoreOptions): { exists(path: string): Promise<boolean | null>; close(): void } {
  let fresh: Promise<ZkClient | null> | undefined;
  let sessionWorks = true;
  return {
    async exists(path) {
      if (sessionWorks) {
        try {
          return (await zk.stat(path)) !== null;
        } catch {
          sessionWorks = false;
        }
      }
      fresh ??= openSession(options.endpoint, options).catch(() => null);
      const other = await fresh;
      if (!other) return null;
      try {
        return (await other.stat(path)) !== null;
      } catch {
        return null;
      }
    },
    close() {
      void fresh?.then((c) => c?.close());
    },
  };
}
