// npm run backup -- --servers host:port[,...] | --stack <name>  --out backup.jsonl
//                   [--auth digest:user:password] [--containers /path,/parent/*] [--timeout seconds]
// A logical backup of every persistent znode (ops/lib/backup/format.ts describes the file), from
// any ensemble (--servers) or a deployed stack's, through a port-forward to each pod (--stack).
import { runBackup } from "./lib/backup/backup";
import { containerPatternsOf, credentialsOf, newFile, parseOptions, required, runCommand, timeoutMsOf } from "./lib/backup/cli";
import { megabytes, throttledProgress } from "./lib/backup/progress";
import { endpointOf, withEndpoint } from "./lib/backup/target";

const USAGE =
  "npm run backup -- (--servers host:port[,host:port...] | --stack <name>) --out <file> [--auth digest:user:password]... " +
  "[--containers /path,/parent/*]... [--timeout seconds]";

void runCommand("backup", async () => {
  const values = parseOptions(
    process.argv.slice(2),
    {
      servers: { type: "string" },
      stack: { type: "string" },
      out: { type: "string" },
      auth: { type: "string", multiple: true },
      containers: { type: "string", multiple: true },
      timeout: { type: "string" },
      help: { type: "boolean" },
    },
    USAGE,
  );
  if (values.help) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  const out = newFile(required(values, "out", USAGE), "out");
  const timeoutMs = timeoutMsOf(values);
  const auth = credentialsOf(values);
  const containerPatterns = containerPatternsOf(values);
  const endpoint = await endpointOf(values, USAGE, "backup");
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
