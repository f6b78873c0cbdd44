// Whether the servers given with --servers are the whole ensemble. `conf` names the members and
// which one each server is; without it, the leader's `mntr` counts the voting members, and a
// follower that serves while no server given leads shows that the leader was not given. Pure.
import { Row, ENSEMBLE, Coverage, WHOLE } from "./types";
import { EnsembleMember } from "../zk-config";
import { ConfAnswer, learnerCounts, parseConf, parseMntr } from "./zk-answers";
import { Asked, QUORUM_MODES, ServerAnswers, refused, servingModes } from "./judge-zookeeper";

function confOf(a: ServerAnswers): ConfAnswer | undefined {
  return a.conf && "text" in a.conf && !refused(a.conf) ? parseConf(a.conf.text) : undefined;
}

function hostOf(m: EnsembleMember): string {
  return m.addresses[0].host;
}

/** A member's client address: its server line's, or its quorum host with the client port conf reported. */
function clientAddress(m: EnsembleMember, clientPort: number | undefined): string {
  const host = m.client?.host && m.client.host !== "0.0.0.0" ? m.client.host : hostOf(m);
  return `${host}:${m.client?.port ?? clientPort ?? 2181}`;
}

function ids(members: EnsembleMember[]): string {
  return members.map((m) => `server.${m.id}`).join(", ");
}

/** The command that checks these servers: the next step when members were not given. */
function verifyAgain(servers: string[]): string {
  return `npm run verify -- --servers ${servers.join(",")}`;
}

/** `leaderMntr`: the leader's mntr, when a server given leads. */
export function judgeCoverage(answers: ServerAnswers[], leaderMntr: Asked | undefined): { coverage: Coverage; rows: Row[] } {
  const modes = servingModes(answers);
  const inQuorum = modes.filter((m) => QUORUM_MODES.includes(m.mode));
  // Nothing serves, or one server runs standalone: there are no other members to miss.
  if (!inQuorum.length) return { coverage: WHOLE, rows: [] };
  const row = { check: "members", server: ENSEMBLE };
  const leaders = modes.filter((m) => m.mode === "leader").map((m) => m.endpoint);
  const confs = answers.map((a) => ({ a, conf: confOf(a) }));
  // The leader's view first, then the newest configuration (a reconfig raises the version).
  const rank = (c: { a: ServerAnswers; conf?: ConfAnswer }) => [Number(leaders.includes(c.a.endpoint)), c.conf!.version ?? 0n] as const;
  const source = confs
    .filter((c) => c.conf?.members)
    .sort((x, y) => {
      const [lx, vx] = rank(x);
      const [ly, vy] = rank(y);
      return ly - lx || (vy > vx ? 1 : vy < vx ? -1 : 0);
    })[0];
  const members = source?.conf?.members;
  const mntr = leaderMntr && "text" in leaderMntr && !refused(leaderMntr) ? learnerCounts(parseMntr(leaderMntr.text)) : undefined;
  const voting = members ? members.filter((m) => m.role === "participant").length : mntr?.votingMembers;
  const allAnswered = answers.every((a) => "text" in a.srvr);
  const noLeader = leaders.length === 0;

  if (members) {
    // Which member each server given is: its own conf's serverId, or else its host in a server line.
    const idOf = new Map<ServerAnswers, number>();
    for (const c of confs) if (c.conf?.serverId !== undefined) idOf.set(c.a, c.conf.serverId);
    for (const c of confs) {
      if (idOf.has(c.a)) continue;
      const taken = new Set(idOf.values());
      const m = members.find(
        (m) => !taken.has(m.id) && (m.addresses.some((x) => x.host === c.a.endpoint.host) || m.client?.host === c.a.endpoint.host),
      );
      if (m) idOf.set(c.a, m.id);
    }
    const matched = new Set(idOf.values());
    const unmatched = members.filter((m) => !matched.has(m.id));
    const unidentified = answers.filter((a) => !idOf.has(a)).map((a) => a.endpoint.label);
    const strangers = [...idOf]
      .filter(([, id]) => !members.some((m) => m.id === id))
      .map(([a, id]) => `${a.endpoint.label} is server.${id}`);
    // A server given that did not say which member it is may be any unmatched one: only members
    // beyond their number are surely missing from the list.
    const notGiven = unmatched.length > unidentified.length ? unmatched : [];
    const notGivenUnsure = notGiven.length > 0 && unidentified.length > 0;
    const leaderElsewhere = noLeader && notGiven.length > 0;
    const lists = `${source!.a.endpoint.label}'s conf lists ${members.length} member(s)`;
    const stray = strangers.length ? `; ${strangers.join(", ")}, which it does not list` : "";
    const silent = unidentified.length ? `; ${unidentified.join(", ")} did not answer conf` : "";
    const rows: Row[] = [];
    const notChecked: string[] = [];
    if (notGiven.length) {
      const missing = notGiven.map((m) => `server.${m.id} (${hostOf(m)})`).join(", ");
      rows.push({
        ...row,
        result: "WARN",
        detail: `${lists}; not given, so not checked: ${missing}${notGivenUnsure ? ` (or one of them is ${unidentified.join(", ")})` : ""}${stray}`,
        next: verifyAgain([...answers.map((a) => a.endpoint.label), ...notGiven.map((m) => clientAddress(m, source!.conf!.clientPort))]),
        notChecked: !strangers.length,
      });
      notChecked.push(`${ids(notGiven)}: not given${leaderElsewhere ? " (the leader is one of them)" : ""}`);
    } else {
      const each = members.map((m) => {
        const given = [...idOf].find(([, id]) => id === m.id)?.[0];
        return `server.${m.id} ${given ? given.endpoint.label : "?"}`;
      });
      const which = unidentified.length ? `: ${each.join(", ")}${silent}` : `, each given: ${each.join(", ")}`;
      rows.push({ ...row, result: strangers.length ? "WARN" : "ok", detail: `${lists}${which}${stray}` });
    }
    const partial = notGiven.length > 0;
    return { coverage: { members, voting, notGiven, leaderElsewhere, partial, notChecked }, rows };
  }

  // Without conf: the leader's count of voting members, or which modes the servers given run.
  const given = answers.length;
  const followersGiven = inQuorum.some((m) => m.mode !== "leader");
  const unknown = `unknown without conf${leaders.length ? " or the leader's mntr" : ""}`;
  let result: Row["result"] = "WARN";
  let detail: string;
  let unchecked = true;
  let leaderElsewhere = false;
  const notChecked: string[] = [];
  if (voting !== undefined) {
    const counts = `the leader's mntr counts ${voting} voting members, ${given} server(s) given`;
    if (voting > given) {
      detail = `not checked: ${counts}: ${voting - given} not given (which, unknown without conf)`;
      notChecked.push(`${voting - given} voting member(s): not given`);
    } else if (voting === given) {
      result = "ok";
      unchecked = false;
      detail = `${counts} (which is which, unknown without conf)`;
    } else {
      unchecked = false;
      detail = `${counts}: the others observe, or are not members`;
    }
  } else if (noLeader && allAnswered) {
    leaderElsewhere = true;
    detail = `not checked: the leader was not given; the other members are ${unknown}`;
    notChecked.push(`the leader: not given (the other members are ${unknown})`);
  } else if (!noLeader && !followersGiven) {
    detail = `not checked: no follower of the leader was given; how many it has is ${unknown}`;
    notChecked.push(`the leader's followers: not given (how many, ${unknown})`);
  } else {
    detail = `not checked: whether every member was given (${unknown})`;
  }
  const partial = notChecked.length > 0;
  return {
    coverage: { voting, notGiven: [], leaderElsewhere, partial, notChecked },
    rows: [{ ...row, result, detail, ...(unchecked ? { notChecked: true } : {}) }],
  };
}
