// Whether the serving servers are one synced ensemble: one epoch, and the leader's own count of
// synced followers. Pure functions of the answers.
import { Row, ENSEMBLE } from "./types";
import { Endpoint, NextCommands } from "./endpoint";
import { SrvrAnswer, learnerCounts } from "./zk-answers";

/**
 * Compares the epochs of the zxids the serving servers report. A follower reports the zxid of the
 * last transaction it applied, so right after an election it still shows the previous epoch (0x0
 * while the leader shows 0x200000000, seen on 3.8.0): call this with `srvr` asked after the sanity
 * write, which puts a transaction of the current epoch on every synced server.
 */
export function judgeEpochs(after: { endpoint: Endpoint; srvr?: SrvrAnswer }[], leader: string | undefined, next: NextCommands): Row {
  const row = { check: "epoch", server: ENSEMBLE };
  const epochs = after.flatMap((a) => (a.srvr?.serving ? [{ endpoint: a.endpoint, epoch: a.srvr.epoch }] : []));
  if (epochs.length === 0) return { ...row, result: "FAIL", detail: "no serving server to compare" };
  const leading = epochs.find((e) => e.endpoint.label === leader)?.epoch ?? Math.max(...epochs.map((e) => e.epoch));
  const behind = epochs.filter((e) => e.epoch !== leading);
  if (behind.length) {
    return {
      ...row,
      result: "FAIL",
      detail: `${behind.map((b) => `${b.endpoint.label} in epoch ${b.epoch}`).join(", ")}; the leader in epoch ${leading}: not synced with it`,
      next: next.why(behind[0].endpoint),
    };
  }
  return { ...row, result: "ok", detail: `${epochs.length} serving server(s) in epoch ${leading}` };
}

/** The leader's own view (`mntr`): followers connected and synced, and how many voting members it counts. */
export function judgeFollowers(leader: Endpoint, mntr: Map<string, string> | undefined, servers: number, next: NextCommands): Row[] {
  const row = { check: "followers", server: leader.label };
  if (!mntr) return [{ ...row, result: "FAIL", detail: "the leader did not answer mntr", next: next.ask(leader, "mntr") }];
  const { learners, synced, votingMembers } = learnerCounts(mntr);
  const expected = servers - 1;
  const rows: Row[] = [];
  if (synced === undefined)
    rows.push({
      ...row,
      result: "FAIL",
      detail: "mntr has no zk_synced_followers: is this server the leader?",
      next: next.ask(leader, "mntr"),
    });
  else if (synced < expected) {
    rows.push({
      ...row,
      result: "FAIL",
      detail: `${synced} of ${expected} followers synced (${learners ?? "?"} connected) by the leader's mntr`,
      next: next.ask(leader, "mntr"),
    });
  } else rows.push({ ...row, result: "ok", detail: `${synced} of ${expected} followers synced by the leader's mntr` });
  if (votingMembers !== undefined && votingMembers !== servers) {
    rows.push({
      check: "members",
      server: leader.label,
      result: "WARN",
      detail: `the leader counts ${votingMembers} voting members, verify checked ${servers}: list every server to check them all`,
      next: next.ask(leader, "conf"),
    });
  }
  return rows;
}

/** The leader's key figures, as information beside the table. */
export function leaderFigures(leader: Endpoint, mntr: Map<string, string>): string {
  const v = (key: string) => mntr.get(key) ?? "?";
  return (
    `leader ${leader.label}: ${v("zk_znode_count")} znodes, ${v("zk_outstanding_requests")} outstanding requests, ` +
    `latency avg ${v("zk_avg_latency")} ms, max ${v("zk_max_latency")} ms (mntr)`
  );
}
