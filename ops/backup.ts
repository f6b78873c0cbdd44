// npm run backup -- (--servers host:port[,...] | --stack <name>) --out backup.jsonl
//                   [--auth digest:user:password]... [--containers /path,/parent/*]... [--timeout seconds]
// (ops/lib/commands.ts BACKUP). A logical backup of every persistent znode (zk/backup/format.ts
// describes the file), from any ensemble (--servers) or a deployed stack's, through a port-forward
// to each pod (--stack).
import { helpText, parseCommandLine } from "./lib/cli-args";
import { BACKUP } from "./lib/commands";
import { runBackup } from "../zk/backup/backup";
import { containerPatternsOf, credentialsOf, newFile, runCommand, timeoutMsOf } from "./lib/backup/cli";
import { megabytes, throttledProgress } from "../zk/backup/progress";
import { endpointOf, withEndpoint } from "./lib/backup/target";

void runCommand(BACKUP, async () => {
  const line = parseCommandLine(BACKUP, process.argv.slice(2));
  if (line.help) {
    process.stdout.write(helpText(BACKUP));
    return 0;
  }
  const out = newFile(line.value("out")!, "out");
  const timeoutMs = timeoutMsOf(line);
  const auth = credentialsOf(line);
  const containerPatterns = containerPatternsOf(line);
  const endpoint = await endpointOf(line, "backup");
  const { header, trailer } = await withEndpoint(endpoint, () =>
    runBackup({
      endpoint,
      out,
      auth,
      containerPatterns,
      connectMs: timeoutMs,
      requestMs: timeoutMs,
      progress: throttledProgress("backup"),
    }),
  );
  const c = trailer.counts;
  const skipped = `skipped ${c.ephemeralSkipped} ephemeral, ${c.systemSkipped} under /zookeeper, ${c.vanished} deleted while being read`;
  const consistency = trailer.quiescent
    ? "no transaction ran meanwhile: the file is one point in time"
    : "writes ran meanwhile: each znode is consistent in itself, not with the others";
  process.stdout.write(
    [
      `backed up ${c.nodes} znodes (${c.containers} containers, ${megabytes(c.dataBytes)} of data) from ${header.source} to ${out}`,
      skipped,
      `zxid ${header.startZxid} to ${trailer.endZxid}: ${consistency}`,
      "",
    ].join("\n"),
  );
  return 0;
});
