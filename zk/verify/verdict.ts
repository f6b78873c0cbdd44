// The verdict and exit code, judged from the ensemble's summary and the rows: a pure function.
import { EnsembleSummary, Row, Verdict } from "./types";
import { givenServe } from "./judge-zookeeper";

function list(rows: Row[]): string {
  const names = rows.map((r) => (r.server === "-" ? r.check : `${r.check} ${r.server}`));
  return names.length > 4 ? `${names.slice(0, 4).join(", ")} and ${names.length - 4} more` : names.join(", ");
}

export function judgeVerdict(s: EnsembleSummary, rows: Row[]): Verdict {
  if (s.couldNotCheck) return { status: "could not check", exitCode: 2, reason: s.couldNotCheck };
  // With a part of the ensemble, a server given that serves as leader or follower proves the
  // quorum, and the leader may be one not given: those are judged only on a whole list.
  if (!s.partial && s.serving.length < s.quorum) {
    return {
      status: "unhealthy",
      exitCode: 1,
      reason: `no quorum: ${s.serving.length} of ${s.servers} servers serve, a quorum needs ${s.quorum}`,
    };
  }
  if (s.leaders.length > 1 || (s.leaders.length === 0 && !s.partial)) {
    return {
      status: "unhealthy",
      exitCode: 1,
      reason: s.leaders.length ? `${s.leaders.length} leaders: ${s.leaders.join(", ")}` : "no leader",
    };
  }
  if (s.writeOk !== true) return { status: "unhealthy", exitCode: 1, reason: `writes fail: ${s.writeDetail}` };
  const notChecked = s.notChecked?.length ? `; not checked: ${s.notChecked.join("; ")}` : "";
  const failing = rows.filter((r) => r.result === "FAIL");
  if (failing.length) {
    return {
      status: "degraded",
      exitCode: 3,
      reason: `the quorum holds and writes work, but ${failing.length} check(s) fail: ${list(failing)}${notChecked}`,
    };
  }
  // Rows of checks that did not run are named by `notChecked`, not counted again as warnings.
  const warnings = rows.filter((r) => r.result === "WARN" && !r.notChecked);
  const serving = s.partial
    ? `${givenServe(s.serving.length, s.servers)}, ${s.partial.leaderGiven ? `leader ${s.leaders[0]}` : "the leader not given"}`
    : `${s.serving.length} of ${s.servers} servers serve, leader ${s.leaders[0]}`;
  return {
    status: "healthy",
    exitCode: 0,
    reason: `${serving}, ${s.writeDetail}` + (warnings.length ? `; ${warnings.length} warning(s): ${list(warnings)}` : "") + notChecked,
  };
}
