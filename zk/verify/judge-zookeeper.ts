// Judging the ZooKeeper answers into rows: pure functions of what each server said.
import { Row, ENSEMBLE, Scope, Coverage } from "./types";
import { Endpoint, NextCommands } from "./endpoint";
import { FourLetterResult } from "./four-letter";
import { SrvrAnswer, parseSrvr, refusedWord } from "./zk-answers";

/** What one server answered; `unavailable` when there was no address to ask. */
export type Asked = FourLetterResult | { unavailable: string };

export interface ServerAnswers {
  endpoint: Endpoint;
  ruok: Asked;
  srvr: Asked;
  /** Asked with --servers only: which member the server is, and the members it knows. */
  conf?: Asked;
}

export function quorumOf(servers: number): number {
  return Math.floor(servers / 2) + 1;
}

export function noAnswer(e: Endpoint, asked: Exclude<Asked, { text: string }>): string {
  if ("unavailable" in asked) return asked.unavailable;
  const tunnel = e.tunnelError?.();
  return tunnel ? `${asked.message} (${tunnel})` : asked.message;
}

/** Whether the server refused the word: it is not in its 4lw.commands.whitelist. */
export function refused(asked: Asked | undefined): boolean {
  return asked !== undefined && "text" in asked && refusedWord(asked.text) !== undefined;
}

export function judgeRuok(a: ServerAnswers, next: NextCommands, scope: Scope = "stack"): Row {
  const row = { check: "ruok", server: a.endpoint.label };
  if (!("text" in a.ruok))
    return { ...row, result: "FAIL", detail: `no answer: ${noAnswer(a.endpoint, a.ruok)}`, next: next.why(a.endpoint) };
  const text = a.ruok.text.trim();
  if (text === "imok") return { ...row, result: "ok", detail: "imok" };
  if (refused(a.ruok)) {
    // The stack's zoo.cfg allows ruok, and its liveness probe asks it; another ensemble may allow only srvr.
    if (scope === "servers")
      return {
        ...row,
        result: "WARN",
        detail: "not checked: ruok is not in this server's 4lw.commands.whitelist (srvr below tells whether it serves)",
        notChecked: true,
      };
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

/** "the server given serves", "2 of the 3 servers given serve". */
export function givenServe(serving: number, given: number): string {
  if (given === 1) return serving ? "the server given serves" : "the server given does not serve";
  return `${serving} of the ${given} servers given serve`;
}

/** Modes in which a server serves only while its ensemble's leader holds a quorum. */
export const QUORUM_MODES = ["leader", "follower", "observer"];

export function judgeQuorum(answers: ServerAnswers[], next: NextCommands, coverage?: Coverage): Row {
  const n = answers.length;
  const modes = servingModes(answers);
  const serving = modes.length;
  const row = { check: "quorum", server: ENSEMBLE };
  if (coverage?.partial && modes.some((m) => QUORUM_MODES.includes(m.mode))) {
    // A leader gives up leading when fewer than a quorum of followers are synced with it (apache/
    // zookeeper release-3.8.0-1 quorum/Leader.java lead(): "Not sufficient followers synced"), and a
    // follower serves only while synced with a leader: one serving server proves the quorum.
    const size = coverage.voting ? `; ${coverage.voting} voting members, a quorum needs ${quorumOf(coverage.voting)}` : "";
    const detail = `${givenServe(serving, n)}${size}: a server serves as leader or follower only while the leader holds a quorum`;
    return serving < n ? { ...row, result: "WARN", detail } : { ...row, result: "ok", detail };
  }
  const q = quorumOf(n);
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

/**
 * Exactly one leader and every other serving server its follower; one server alone runs
 * standalone. With a part of the ensemble (`coverage.partial`), the leader may be one not given.
 */
export function judgeLeadership(answers: ServerAnswers[], next: NextCommands, coverage?: Coverage): Row {
  const modes = servingModes(answers);
  const row = { check: "leader", server: ENSEMBLE };
  if (answers.length === 1 && !coverage?.partial) {
    const only = modes[0];
    if (!only) return { ...row, result: "FAIL", detail: "the only server does not serve" };
    return { ...row, result: "ok", detail: `${only.label} runs ${only.mode} (one server: no election)` };
  }
  const leaders = modes.filter((m) => m.mode === "leader");
  const strays = modes.filter((m) => !QUORUM_MODES.includes(m.mode));
  if (leaders.length === 0 && coverage?.leaderElsewhere && !strays.length) {
    const under = `serving under it: ${modes.map((m) => m.label).join(", ")}`;
    const silent = answers.filter((a) => !("text" in a.srvr)).map((a) => a.endpoint.label);
    return {
      ...row,
      result: "WARN",
      detail: silent.length
        ? `not checked: no server that answered leads (${under}); the leader is one not given, or ${silent.join(", ")}, which did not answer`
        : `not checked: the leader is not among the servers given (${under})`,
      notChecked: true,
    };
  }
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
  const none = coverage?.partial ? "no follower given" : "no follower serves";
  return {
    ...row,
    result: "ok",
    detail: `${leaders[0].label} leads; ${followers.length ? `following: ${followers.join(", ")}` : none}`,
  };
}
