// npm run restore -- --servers host:port[,...] | --stack <name>  --in backup.jsonl
//                    [--on-conflict fail|skip|overwrite] [--auth digest:user:password] [--report file]
//                    [--timeout seconds]
// Creates a backup's znodes in an ensemble and writes a report of what it did
// (ops/lib/backup/restore.ts describes how).
import { counted, credentialsOf, newFile, parseOptions, required, runCommand, timeoutMsOf, UsageError } from "./lib/backup/cli";
import { throttledProgress } from "./lib/backup/progress";
import { OnConflict, runRestore } from "./lib/backup/restore";
import { endpointOf, withEndpoint } from "./lib/backup/target";

const USAGE =
  "npm run restore -- (--servers host:port[,host:port...] | --stack <name>) --in <file> [--on-conflict fail|skip|overwrite] " +
  "[--auth digest:user:password]... [--report <file>] [--timeout seconds]";

const MODES: OnConflict[] = ["fail", "skip", "overwrite"];

void runCommand("restore", async () => {
  const values = parseOptions(
    process.argv.slice(2),
    {
      servers: { type: "string" },
      stack: { type: "string" },
      in: { type: "string" },
      "on-conflict": { type: "string" },
      auth: { type: "string", multiple: true },
      report: { type: "string" },
      timeout: { type: "string" },
      help: { type: "boolean" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  const file = required(values, "in", USAGE);
  const onConflict = ((values["on-conflict"] as string | undefined) ?? "fail") as OnConflict;
  if (!MODES.includes(onConflict)) throw new UsageError(`--on-conflict takes ${MODES.join(", ")}, got "${onConflict}"`);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const reportPath = newFile((values.report as string | undefined) ?? `restore-report-${stamp}.jsonl`, "report");
  const timeoutMs = timeoutMsOf(values);
  const auth = credentialsOf(values);
  const endpoint = await endpointOf(values, USAGE, "restore");
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
