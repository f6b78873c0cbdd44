// Judging the ZooKeeper answers into rows: pure functions of what each server said.
import { Row, ENSEMBLE } from "./types";
import { Endpoint, NextCommands } from "./endpoint";
import { FourLetterResult } from "./four-letter";
import { SrvrAnswer, parseSrvr } from "./zk-answers";

/** What one server answered; `unavailable` when there was no address to ask. */
export type Asked = FourLetterResult | { unavailable: string };

export interface ServerAnswers {
  endpoint: Endpoint;
  ruok: Asked;
  srvr: Asked;
}

export function quorumOf(servers: number): number {
  return Math.floor(servers / 2) + 1;
}

const NOT_WHITELISTED = "is not executed because it is not in the whitelist";

function noAnswer(e: Endpoint, asked: Exclude<Asked, { text: string }>): string {
  if ("unavailable" in asked) return asked.unavailable;
  const tunnel = e.tunnelError?.();
  return tunnel ? `${asked.message} (${tunnel})` : asked.message;
}

export function judgeRuok(a: ServerAnswers, next: NextCommands): Row {
  const row = { check: "ruok", server: a.endpoint.label };
  if (!("text" in a.ruok))
    return { ...row, result: "FAIL", detail: `no answer: ${noAnswer(a.endpoint, a.ruok)}`, next: next.why(a.endpoint) };
  const text = a.ruok.text.trim();
  if (text === "imok") return { ...row, result: "ok", detail: "imok" };
  if (text.includes(NOT_WHITELISTED)) {
    return {
      ...row,
      result: "FAIL",
      detail: "ruok is not in 4lw.commands.whitelist: the liveness probe cannot pass",
      next: next.ask(a.endpoint, "conf"),
    };
  }
  return { ...row, result: "FAIL", detail: `answered '${text.slice(0, 80)}' instead of imok`, next: next.why(a.endpoint) };
}

/** The parsed `srvr`, or undefined when the server did not answer it. */
export function srvrOf(a: ServerAnswers): SrvrAnswer | undefined {
  return "text" in a.srvr ? parseSrvr(a.srvr.text) : undefined;
}

export function judgeSrvr(a: ServerAnswers, next: NextCommands): Row {
  const row = { check: "srvr", server: a.endpoint.label };
  if (!("text" in a.srvr))
    return { ...row, result: "FAIL", detail: `no answer: ${noAnswer(a.endpoint, a.srvr)}`, next: next.why(a.endpoint) };
  const s = parseSrvr(a.srvr.text);
  if (!s.serving)
    return { ...row, result: "FAIL", detail: `does not serve: ${s.why} (electing, or cut off from a quorum)`, next: next.why(a.endpoint) };
  return { ...row, result: "ok", detail: `${s.mode}, zxid 0x${s.zxid.toString(16)}` };
}

/** Servers that serve, by label, with their mode. */
export function servingModes(answers: ServerAnswers[]): { endpoint: Endpoint; label: string; mode: string }[] {
  return answers.flatMap((a) => {
    const s = srvrOf(a);
    return s?.serving ? [{ endpoint: a.endpoint, label: a.endpoint.label, mode: s.mode }] : [];
  });
}

export function judgeQuorum(answers: ServerAnswers[], next: NextCommands): Row {
  const n = answers.length;
  const q = quorumOf(n);
  const modes = servingModes(answers);
  const serving = modes.length;
  const row = { check: "quorum", server: ENSEMBLE };
  if (serving < q) {
    const down = answers.find((a) => !modes.some((m) => m.endpoint === a.endpoint))!.endpoint;
    return {
      ...row,
      result: "FAIL",
      detail: `${serving} of ${n} servers serve; a quorum needs ${q}: the ensemble takes no requests`,
      next: next.why(down),
    };
  }
  const detail = `${serving} of ${n} servers serve: the quorum (${q}) holds, and ${serving - q} more may fail`;
  // The missing servers fail their own rows; the quorum itself holds, with less to spare.
  return serving < n ? { ...row, result: "WARN", detail } : { ...row, result: "ok", detail };
}

/** Exactly one leader and every other serving server its follower; one server alone runs standalone. */
export function judgeLeadership(answers: ServerAnswers[], next: NextCommands): Row {
  const modes = servingModes(answers);
  const row = { check: "leader", server: ENSEMBLE };
  if (answers.length === 1) {
    const only = modes[0];
    if (!only) return { ...row, result: "FAIL", detail: "the only server does not serve" };
    return { ...row, result: "ok", detail: `${only.label} runs ${only.mode} (one server: no election)` };
  }
  const leaders = modes.filter((m) => m.mode === "leader");
  const strays = modes.filter((m) => !["leader", "follower", "observer"].includes(m.mode));
  if (leaders.length === 0) {
    return {
      ...row,
      result: "FAIL",
      detail: `no leader among ${answers.length} servers (${modes.length} serve)`,
      next: next.why(answers[0].endpoint),
    };
  }
  if (leaders.length > 1) {
    return {
      ...row,
      result: "FAIL",
      detail: `${leaders.length} leaders (${leaders.map((l) => l.label).join(", ")}): these servers are not one ensemble (compare their server.N lines)`,
      next: next.ask(leaders[0].endpoint, "conf"),
    };
  }
  if (strays.length) {
    return {
      ...row,
      result: "FAIL",
      detail: `${strays.map((s) => `${s.label} runs ${s.mode}`).join(", ")}: outside the ensemble led by ${leaders[0].label}`,
      next: next.ask(strays[0].endpoint, "conf"),
    };
  }
  const followers = modes.filter((m) => m.mode !== "leader").map((m) => m.label);
  return {
    ...row,
    result: "ok",
    detail: `${leaders[0].label} leads; ${followers.length ? `following: ${followers.join(", ")}` : "no follower serves"}`,
  };
}
