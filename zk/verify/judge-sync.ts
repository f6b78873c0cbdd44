// Whether the serving servers are one synced ensemble: one epoch, and the leader's own count of
// synced followers. Pure functions of the answers.
import { Row, ENSEMBLE, Scope } from "./types";
import { Endpoint, NextCommands } from "./endpoint";
import { SrvrAnswer, learnerCounts, parseMntr } from "./zk-answers";
import { Asked, noAnswer, refused } from "./judge-zookeeper";

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

/**
 * The leader's own view (`mntr`): followers connected and synced. `voting`: the voting members the
 * ensemble has (the leader among them), so `voting - 1` followers are expected.
 */
export function judgeFollowers(leader: Endpoint, asked: Asked, voting: number, scope: Scope, next: NextCommands): Row {
  const row = { check: "followers", server: leader.label };
  if (!("text" in asked))
    return { ...row, result: "FAIL", detail: `the leader did not answer mntr: ${noAnswer(leader, asked)}`, next: next.ask(leader, "mntr") };
  if (refused(asked)) {
    if (scope === "servers")
      return {
        ...row,
        result: "WARN",
        detail: "not checked: mntr is not in the leader's 4lw.commands.whitelist, so its synced followers are not counted",
        notChecked: true,
      };
    // The stack's zoo.cfg allows mntr: the server runs another configuration; its log lists the words it allows.
    return {
      ...row,
      result: "FAIL",
      detail: "the leader refuses mntr: its 4lw.commands.whitelist lacks it, which the stack's zoo.cfg allows",
      next: next.why(leader),
    };
  }
  const { learners, synced } = learnerCounts(parseMntr(asked.text));
  const expected = voting - 1;
  if (synced === undefined)
    return {
      ...row,
      result: "FAIL",
      detail: "mntr has no zk_synced_followers: is this server the leader?",
      next: next.ask(leader, "mntr"),
    };
  if (synced < expected) {
    return {
      ...row,
      result: "FAIL",
      detail: `${synced} of ${expected} followers synced (${learners ?? "?"} connected) by the leader's mntr`,
      next: next.ask(leader, "mntr"),
    };
  }
  return { ...row, result: "ok", detail: `${synced} of ${expected} followers synced by the leader's mntr` };
}

/** --stack: the leader's count of voting members against the stack's servers (a resize under way shows here). */
export function judgeMemberCount(leader: Endpoint, asked: Asked, servers: number, next: NextCommands): Row[] {
  if (!("text" in asked) || refused(asked)) return [];
  const { votingMembers } = learnerCounts(parseMntr(asked.text));
  if (votingMembers === undefined || votingMembers === servers) return [];
  return [
    {
      check: "members",
      server: leader.label,
      result: "WARN",
      detail: `the leader counts ${votingMembers} voting members, verify checked ${servers}: list every server to check them all`,
      next: next.ask(leader, "conf"),
    },
  ];
}

/** The leader's key figures, as information beside the table; none when it did not answer mntr. */
export function leaderFigures(leader: Endpoint, asked: Asked): string | undefined {
  if (!("text" in asked) || refused(asked)) return undefined;
  const mntr = parseMntr(asked.text);
  if (!mntr.size) return undefined;
  // With the Prometheus provider on (the pods' default) mntr prints the provider's doubles, "5.0"
  // for 5 znodes (apache/zookeeper release-3.9.5 PrometheusMetricsProvider.dump: sample.value); the
  // default provider prints integers. Either reads the same here.
  const v = (key: string) => {
    const raw = mntr.get(key);
    return raw !== undefined && raw !== "" && Number.isFinite(Number(raw)) ? String(Number(raw)) : (raw ?? "?");
  };
  return (
    `leader ${leader.label}: ${v("zk_znode_count")} znodes, ${v("zk_outstanding_requests")} outstanding requests, ` +
    `latency avg ${v("zk_avg_latency")} ms, max ${v("zk_max_latency")} ms (mntr)`
  );
}
