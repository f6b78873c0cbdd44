// npm run restore -- (--servers host:port[,...] | --stack <name>) --in backup.jsonl
//                    [--on-conflict fail|skip|overwrite] [--auth digest:user:password]... [--report file]
//                    [--timeout seconds]
// (ops/lib/commands.ts RESTORE). Creates a backup's znodes in an ensemble and writes a report of
// what it did (zk/backup/restore.ts describes how).
import * as path from "path";
import { helpText, parseCommandLine, UsageError } from "./lib/cli-args";
import { DEFAULT_REPORT_DIR, RESTORE } from "./lib/commands";
import { counted, credentialsOf, newFile, runCommand, timeoutMsOf } from "./lib/backup/cli";
import { throttledProgress } from "../zk/backup/progress";
import { OnConflict, runRestore } from "../zk/backup/restore";
import { endpointOf, withEndpoint } from "./lib/backup/target";

const MODES: OnConflict[] = ["fail", "skip", "overwrite"];

void runCommand(RESTORE, async () => {
  const line = parseCommandLine(RESTORE, process.argv.slice(2));
  if (line.help) {
    process.stdout.write(helpText(RESTORE));
    return 0;
  }
  const file = line.value("in")!;
  const onConflict = (line.value("on-conflict") ?? "fail") as OnConflict;
  if (!MODES.includes(onConflict)) throw new UsageError(`--on-conflict takes ${MODES.join(", ")}, got "${onConflict}"`);
  // A report is never overwritten: the one named must not exist, and a default one has a name of its
  // own, in a folder .gitignore covers rather than the working directory.
  const named = line.value("report");
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const reportPath = named === undefined ? path.join(DEFAULT_REPORT_DIR, `restore-${stamp}.jsonl`) : newFile(named, "report");
  const timeoutMs = timeoutMsOf(line);
  const auth = credentialsOf(line);
  const endpoint = await endpointOf(line, "restore");
  // Ctrl-C stops creating, lets the requests in flight finish and still writes the report; a
  // stack's tunnels stay open until then.
  const interrupt = new AbortController();
  process.once("SIGINT", () => interrupt.abort());
  const { header, counts } = await withEndpoint(
    endpoint,
    () =>
      runRestore({
        file,
        endpoint,
        onConflict,
        reportPath,
        reportNamed: named !== undefined,
        auth,
        connectMs: timeoutMs,
        requestMs: timeoutMs,
        progress: throttledProgress("restore"),
        warn: (message) => process.stderr.write(`restore: warning: ${message}\n`),
        signal: interrupt.signal,
      }),
    { ownInterrupt: true },
  );
  process.stdout.write(
    [
      `restored ${file} (${counts.znodes} znodes backed up from ${header.source} at ${header.startedAt}) into ${endpoint.description}`,
      `created ${counts.created} (${counts.containersCreated} containers), skipped ${counts.skipped}, overwritten ${counts.overwritten}; root ${counts.root}`,
      `sequence counters raised under ${counted(counts.sequenceParents, "parent")} (${counted(counts.sequenceCreates, "throwaway create")}); ${counted(counts.aclsAfterChildren, "ACL")} set after their children`,
      `report: ${reportPath}`,
      "",
    ].join("\n"),
  );
  return 0;
});
