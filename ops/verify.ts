// `npm run verify`: is the ensemble healthy, and why not. One table, one verdict line, one exit
// code: 0 healthy, 3 degraded, 1 unhealthy, 2 could not check (with a one-line reason, never a
// stack trace) or a wrong command line (what is wrong, then the usage line).
import { helpText, UsageError, usageErrorText } from "./lib/cli-args";
import { VERIFY } from "./lib/commands";
import { parseArgs } from "./lib/verify/args";
import { BOUNDS } from "../zk/verify/bounds";
import { formatReport } from "./lib/verify/table";
import { CouldNotCheck, Report } from "../zk/verify/types";

async function run(argv: string[]): Promise<{ code: number; stdout?: string; stderr?: string }> {
  const target = parseArgs(argv);
  if (target.kind === "help") return { code: 0, stdout: helpText(VERIFY) };
  let report: Report;
  if (target.kind === "servers") {
    const { verifyServers } = await import("./lib/verify/servers-mode");
    report = await verifyServers(target.servers, BOUNDS);
  } else {
    // Loaded only here: the Kubernetes client and the Automation API take seconds to load.
    const { verifyStack } = await import("./lib/verify/stack-mode");
    report = await verifyStack(target.stack, BOUNDS);
  }
  const code = report.verdict.exitCode;
  return code === 2 ? { code, stderr: `verify: could not check: ${report.verdict.reason}\n` } : { code, stdout: formatReport(report) };
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split("\n").find((l) => l.trim()) ?? "unknown error";
}

/** Writes, then exits at once (a client library may still hold the socket of a server that never answered). */
function finish(code: number, stdout = "", stderr = ""): void {
  process.stderr.write(stderr, () => process.stdout.write(stdout, () => process.exit(code)));
}

const guard = setTimeout(() => finish(2, "", `verify: could not check: no verdict within ${BOUNDS.totalMs / 1000} s\n`), BOUNDS.totalMs);

run(process.argv.slice(2)).then(
  (r) => {
    clearTimeout(guard);
    finish(r.code, r.stdout, r.stderr);
  },
  (e) => {
    clearTimeout(guard);
    if (e instanceof UsageError) return finish(2, "", usageErrorText(VERIFY, e));
    const reason = e instanceof CouldNotCheck ? e.message : `unexpected error: ${oneLine(e)}`;
    finish(2, "", `verify: could not check: ${reason}\n`);
  },
);
