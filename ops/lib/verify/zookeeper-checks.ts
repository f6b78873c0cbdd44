// The ZooKeeper checks of every server, whichever way it is reached: ruok, srvr, quorum and
// leadership, the sanity write and reads, the epoch, and the leader's mntr.
import { Row, EnsembleSummary, ENSEMBLE } from "./types";
import { Endpoint, NextCommands } from "./endpoint";
import { Bounds } from "./bounds";
import { fourLetterWord } from "./four-letter";
import { parseMntr, parseSrvr } from "./zk-answers";
import { Asked, ServerAnswers, judgeLeadership, judgeQuorum, judgeRuok, judgeSrvr, quorumOf, servingModes } from "./judge-zookeeper";
import { judgeEpochs, judgeFollowers, leaderFigures } from "./judge-sync";
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

/** `auth`: the credentials of the sanity test's sessions (the four-letter words need none). */
export async function checkZooKeeper(
  endpoints: Endpoint[],
  next: NextCommands,
  bounds: Bounds,
  auth: SessionAuth = {},
): Promise<ZooKeeperFindings> {
  const answers: ServerAnswers[] = await Promise.all(
    endpoints.map(async (endpoint) => {
      const [ruok, srvr] = await Promise.all([ask(endpoint, "ruok", bounds), ask(endpoint, "srvr", bounds)]);
      return { endpoint, ruok, srvr };
    }),
  );
  const rows: Row[] = [
    ...answers.map((a) => judgeRuok(a, next)),
    ...answers.map((a) => judgeSrvr(a, next)),
    judgeQuorum(answers, next),
    judgeLeadership(answers, next),
  ];
  const info: string[] = [];

  const modes = servingModes(answers);
  const single = endpoints.length === 1;
  const leaders = modes.filter((m) => m.mode === "leader" || (single && m.mode === "standalone"));
  const leader = leaders.length === 1 ? leaders[0].endpoint : undefined;
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

  if (leader && !single) {
    const m = await ask(leader, "mntr", bounds);
    const mntr = "text" in m ? parseMntr(m.text) : undefined;
    rows.push(...judgeFollowers(leader, mntr, endpoints.length, next));
    if (mntr) info.push(leaderFigures(leader, mntr));
  } else if (leader) {
    const m = await ask(leader, "mntr", bounds);
    if ("text" in m) info.push(leaderFigures(leader, parseMntr(m.text)));
  }

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
