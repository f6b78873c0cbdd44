// The verdict and exit code, judged from the ensemble's summary and the rows: a pure function.
import { EnsembleSummary, Row, Verdict } from "./types";

function list(rows: Row[]): string {
  const names = rows.map((r) => (r.server === "-" ? r.check : `${r.check} ${r.server}`));
  return names.length > 4 ? `${names.slice(0, 4).join(", ")} and ${names.length - 4} more` : names.join(", ");
}

export function judgeVerdict(s: EnsembleSummary, rows: Row[]): Verdict {
  if (s.couldNotCheck) return { status: "could not check", exitCode: 2, reason: s.couldNotCheck };
  if (s.serving.length < s.quorum) {
    return {
      status: "unhealthy",
      exitCode: 1,
      reason: `no quorum: ${s.serving.length} of ${s.servers} servers serve, a quorum needs ${s.quorum}`,
    };
  }
  if (s.leaders.length !== 1) {
    return {
      status: "unhealthy",
      exitCode: 1,
      reason: s.leaders.length ? `${s.leaders.length} leaders: ${s.leaders.join(", ")}` : "no leader",
    };
  }
  if (s.writeOk !== true) return { status: "unhealthy", exitCode: 1, reason: `writes fail: ${s.writeDetail}` };
  const failing = rows.filter((r) => r.result === "FAIL");
  if (failing.length) {
    return {
      status: "degraded",
      exitCode: 3,
      reason: `the quorum holds and writes work, but ${failing.length} check(s) fail: ${list(failing)}`,
    };
  }
  const warnings = rows.filter((r) => r.result === "WARN");
  return {
    status: "healthy",
    exitCode: 0,
    reason:
      `${s.serving.length} of ${s.servers} servers serve, leader ${s.leaders[0]}, ${s.writeDetail}` +
      (warnings.length ? `; ${warnings.length} warning(s): ${list(warnings)}` : ""),
  };
}
