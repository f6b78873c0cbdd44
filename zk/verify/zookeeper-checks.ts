// The ZooKeeper checks of every server, whichever way it is reached: ruok, srvr, quorum and
// leadership, the members (--servers), the sanity write and reads, the epoch, and the leader's mntr.
import { Row, EnsembleSummary, ENSEMBLE, Scope } from "./types";
import { Endpoint, NextCommands } from "./endpoint";
import { Bounds } from "./bounds";
import { fourLetterWord } from "./four-letter";
import { parseSrvr, refusedWord } from "./zk-answers";
import { Asked, ServerAnswers, judgeLeadership, judgeQuorum, judgeRuok, judgeSrvr, quorumOf, servingModes } from "./judge-zookeeper";
import { judgeEpochs, judgeFollowers, judgeMemberCount, leaderFigures } from "./judge-sync";
import { judgeCoverage } from "./judge-members";
import { WHOLE } from "./types";
import { SessionAuth, sanityTest } from "./sanity";
import { judgeSanity } from "./judge-sanity";

export interface ZooKeeperFindings {
  rows: Row[];
  info: string[];
  summary: EnsembleSummary;
  answers: ServerAnswers[];
}

function ask(e: Endpoint, word: string, bounds: Bounds): Promise<Asked> {
  if (e.host === undefined || e.port === undefined) return Promise.resolve({ unavailable: e.unavailable ?? "no address" });
  return fourLetterWord(e.host, e.port, word, bounds.fourLetterMs);
}

export interface CheckOptions {
  /** The credentials of the sanity test's sessions (the four-letter words need none). */
  auth?: SessionAuth;
  scope?: Scope;
}

/** What each word but srvr (which ZooKeeper never refuses) checks. */
const CHECKED_BY: Record<string, string> = { ruok: "imok", conf: "the members", mntr: "the leader's synced followers" };

/** The words the servers refused, in the order they were asked. */
function refusedWords(asked: (Asked | undefined)[]): string[] {
  const words = asked.flatMap((a) => (a && "text" in a ? [refusedWord(a.text)] : [])).filter((w): w is string => w !== undefined);
  return [...new Set(words)];
}

export async function checkZooKeeper(
  endpoints: Endpoint[],
  next: NextCommands,
  bounds: Bounds,
  { auth = {}, scope = "stack" }: CheckOptions = {},
): Promise<ZooKeeperFindings> {
  const answers: ServerAnswers[] = await Promise.all(
    endpoints.map(async (endpoint) => {
      // conf only with --servers: a stack's servers are its pods, every one of them given.
      const [ruok, srvr, conf] = await Promise.all(
        ["ruok", "srvr", ...(scope === "servers" ? ["conf"] : [])].map((word) => ask(endpoint, word, bounds)),
      );
      return { endpoint, ruok, srvr, ...(conf ? { conf } : {}) };
    }),
  );
  const modes = servingModes(answers);
  const single = endpoints.length === 1;
  const leaders = modes.filter((m) => m.mode === "leader" || (single && m.mode === "standalone"));
  const leader = leaders.length === 1 ? leaders[0] : undefined;
  // Asked once: the leader's followers, its count of voting members, its figures.
  const leaderMntr = leader ? await ask(leader.endpoint, "mntr", bounds) : undefined;
  const { coverage, rows: memberRows } = scope === "servers" ? judgeCoverage(answers, leaderMntr) : { coverage: WHOLE, rows: [] };

  const rows: Row[] = [
    ...answers.map((a) => judgeRuok(a, next, scope)),
    ...answers.map((a) => judgeSrvr(a, next)),
    judgeQuorum(answers, next, coverage),
    judgeLeadership(answers, next, coverage),
    ...memberRows,
  ];
  const info: string[] = [];

  // Through a follower when there is one: the write then takes the whole path (forwarded to the
  // leader, proposed, acknowledged by a quorum, committed).
  const writer = modes.find((m) => m.mode === "follower")?.endpoint ?? leaders[0]?.endpoint ?? modes[0]?.endpoint;
  const notServing = answers.filter((a) => !modes.some((m) => m.endpoint === a.endpoint)).map((a) => a.endpoint);

  let writeOk: boolean | undefined;
  let writeDetail = "nothing serves to write through";
  if (writer) {
    const readers = modes.map((m) => m.endpoint).filter((e) => e !== writer);
    const outcome = await sanityTest(writer, readers, bounds, auth);
    rows.push(...judgeSanity(outcome, notServing, next));
    writeOk = outcome.writeError === undefined;
    writeDetail = writeOk ? `a write through ${writer.label} succeeded` : `a write through ${writer.label} failed: ${outcome.writeError}`;
    if (writeOk) {
      const after = await Promise.all(
        modes.map(async (m) => {
          const a = await ask(m.endpoint, "srvr", bounds);
          return { endpoint: m.endpoint, srvr: "text" in a ? parseSrvr(a.text) : undefined };
        }),
      );
      rows.push(judgeEpochs(after, leader?.label, next));
    }
  } else {
    rows.push({
      check: "write",
      server: ENSEMBLE,
      result: "FAIL",
      detail: "no server serves: nothing to write through",
      next: next.why(endpoints[0]),
    });
  }

  if (leader && leaderMntr) {
    if (leader.mode === "leader") {
      const voting = scope === "servers" ? (coverage.voting ?? endpoints.length) : endpoints.length;
      rows.push(judgeFollowers(leader.endpoint, leaderMntr, voting, scope, next));
      if (scope === "stack") rows.push(...judgeMemberCount(leader.endpoint, leaderMntr, endpoints.length, next));
    }
    const figures = leaderFigures(leader.endpoint, leaderMntr);
    if (figures) info.push(figures);
  }

  // A server configured elsewhere may allow only srvr: what the other words would have checked is named, not failed.
  // conf counts only where there are members to find, mntr only where there are followers to count.
  const needed = [
    ...answers.map((a) => a.ruok),
    ...(memberRows.length ? answers.map((a) => a.conf) : []),
    ...(leader?.mode === "leader" ? [leaderMntr] : []),
  ];
  const refused = scope === "servers" ? refusedWords(needed) : [];
  const unasked = refused.map((w) => `${CHECKED_BY[w] ?? "its check"} (${w})`);
  const notChecked = [...coverage.notChecked, ...(unasked.length ? [`${unasked.join(", ")}: not in 4lw.commands.whitelist`] : [])];
  return {
    rows,
    info,
    answers,
    summary: {
      servers: endpoints.length,
      quorum: quorumOf(endpoints.length),
      serving: modes.map((m) => m.label),
      leaders: leaders.map((l) => l.label),
      writeOk,
      writeDetail,
      ...(coverage.partial ? { partial: { leaderGiven: leaders.length > 0 } } : {}),
      ...(notChecked.length ? { notChecked } : {}),
    },
  };
}

/** Whether any server answered anything: with none, there is nothing to judge. */
export function nothingAnswered(answers: ServerAnswers[]): string | undefined {
  if (answers.some((a) => "text" in a.ruok || "text" in a.srvr)) return undefined;
  const why = (a: ServerAnswers) => {
    const r = a.srvr;
    const tunnel = a.endpoint.tunnelError?.();
    const base = "unavailable" in r ? r.unavailable : "message" in r ? r.message : "no answer";
    return `${a.endpoint.label}: ${tunnel ? `${base} (${tunnel})` : base}`;
  };
  return `no server answered (${answers.map(why).join("; ")})`;
}
