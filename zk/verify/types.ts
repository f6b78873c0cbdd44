// The vocabulary every verify module shares: one row per check, and the verdict they add up to.
import type { EnsembleMember } from "../zk-config";

export type Result = "ok" | "WARN" | "FAIL";

/** One line of the table. `next` is the command to run when the result is not ok. */
export interface Row {
  check: string;
  /** The server (host:port or pod name) the check is about, or "-" for the whole ensemble. */
  server: string;
  result: Result;
  detail: string;
  next?: string;
  /**
   * The check did not run: the server refuses its four-letter word, or the server it is about was
   * not given. Such a row is a WARN, and the verdict names it among what was not checked rather
   * than among its warnings.
   */
  notChecked?: boolean;
}

/**
 * Whose servers verify checks. `stack`: every server of a stack this project deployed, with the
 * project's zoo.cfg (its 4lw.commands.whitelist, its probes). `servers`: the servers given with
 * --servers, of an ensemble configured by anyone: the list may name only some of its members, and
 * the servers may refuse every four-letter word but srvr.
 */
export type Scope = "stack" | "servers";

export type Status = "healthy" | "degraded" | "unhealthy" | "could not check";

export interface Verdict {
  status: Status;
  /** 0 healthy, 3 degraded, 1 unhealthy, 2 could not check. */
  exitCode: 0 | 1 | 2 | 3;
  reason: string;
}

/** What the ZooKeeper checks found about the ensemble as a whole; the verdict is judged from it. */
export interface EnsembleSummary {
  servers: number;
  quorum: number;
  /** Servers whose `srvr` says leader, follower, observer or standalone. */
  serving: string[];
  leaders: string[];
  /** undefined: no write was attempted (nothing served). */
  writeOk?: boolean;
  writeDetail: string;
  /** Set when nothing could be reached to judge: the command then says why and exits 2. */
  couldNotCheck?: string;
  /**
   * --servers with a part of the ensemble: the quorum and the leader are then judged from the
   * servers given (one that serves as follower or leader proves its leader holds a quorum), and a
   * leader that was not given is no failure.
   */
  partial?: { leaderGiven: boolean };
  /** What was not checked and why, for the verdict (e.g. "ruok, mntr: not in 4lw.commands.whitelist"). */
  notChecked?: string[];
}

/** What the user reads next to the table: the leader's key figures. */
export interface Report {
  rows: Row[];
  info: string[];
  verdict: Verdict;
}

export const ENSEMBLE = "-";

/** Thrown for anything that stops verify before it can judge: bad input, no stack, no API. */
export class CouldNotCheck extends Error {}

/** How the servers given stand to the whole ensemble. */
export interface Coverage {
  /** The members (voting and observing) a server's conf lists: the leader's when given, else the newest. */
  members?: EnsembleMember[];
  /** The voting members, from conf or else from the leader's mntr. */
  voting?: number;
  /** Members none of the servers given is. */
  notGiven: EnsembleMember[];
  /** Servers given serve under a leader, and none of them leads. */
  leaderElsewhere: boolean;
  /** The servers given are a part of the ensemble: what was not given is not checked. */
  partial: boolean;
  /** For the verdict: what was not checked, and why. */
  notChecked: string[];
}

export const WHOLE: Coverage = { notGiven: [], leaderElsewhere: false, partial: false, notChecked: [] };
