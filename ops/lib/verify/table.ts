// The report as text: one row per check (check | server | result | detail), the leader's figures,
// and the verdict line. Pure, so its layout is tested without any server.
import { Report, Row } from "../../../zk/verify/types";

const HEADER: Row = { check: "CHECK", server: "SERVER", result: "ok", detail: "DETAIL" };

export function formatTable(rows: Row[]): string {
  const cells = (r: Row, header = false) => [
    r.check,
    r.server,
    header ? "RESULT" : r.result,
    r.next ? `${r.detail}; next: ${r.next}` : r.detail,
  ];
  const lines = [cells(HEADER, true), ...rows.map((r) => cells(r))];
  const widths = [0, 1, 2].map((c) => Math.max(...lines.map((l) => l[c].length)));
  return lines.map((l) => l.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell)).join("  ")).join("\n");
}

export function formatReport(report: Report): string {
  const out = [formatTable(report.rows), ""];
  for (const line of report.info) out.push(line);
  out.push(`verdict: ${report.verdict.status} (exit ${report.verdict.exitCode}): ${report.verdict.reason}`);
  return out.join("\n") + "\n";
}
