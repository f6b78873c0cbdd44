// Converges a running ensemble's membership (dynamic reconfiguration) to servers 1..N. Two phases,
// run by the membership Jobs around the StatefulSet (components/zookeeper/membership-jobs.ts):
// `remove` before it shrinks (a removed server must leave the membership while it still runs: with
// Parallel pods the surplus pods go all at once), `add` after it grew and is Ready (a new server
// joins as a participant only once it follows the leader, i.e. has synced). Each phase reads what
// the members have committed and changes only what differs, so a run killed halfway and run again
// converges. It changes nothing unless every member serves. It reads with four-letter words, which
// need no session, and authenticates (as the super user) only for the change itself: so it also runs
// against servers that know no SASL yet (an ensemble moving from static membership). Facts it relies on: components/zookeeper/membership.ts.
import { fourLetterWord } from "./verify/four-letter";
import { Address, formatAddress } from "./address";
import { ZkClient, ZkError } from "./zk-client";
import { EnsembleConfig, parseEnsembleConfig, formatConfigVersion } from "./zk-config";

import type { MembershipPhase } from "./facts/membership-env";
export type { MembershipPhase };

export interface MembershipRun {
  phase: MembershipPhase;
  /** The wanted membership: `server.<id>=...` lines of servers 1..N (components/zookeeper/membership.ts memberLines). */
  target: string[];
  /** Where members answer: the client Service (tests: every server). */
  endpoints: Address[];
  /** Every member's client port (the plaintext one). */
  clientPort: number;
  /** The super user, for the reconfig. */
  sasl: { username: string; password: string };
  /**
   * Whether any server of the ensemble exists (a pod, even one not serving): when none does and none
   * answers, there is nothing to change yet (a new ensemble, before its StatefulSet).
   */
  serversExist: () => Promise<boolean>;
  /** Where a member's host is reached; the identity in a cluster (tests map pod FQDNs to loopback). */
  addressOf?: (host: string) => string;
  /** How long a new server may take to follow the leader. Default 120 s. */
  joinWaitMs?: number;
  /** Bound on each exchange with a server. Default 5 s. */
  requestMs?: number;
  log: (line: string) => void;
}

/** A refusal or failure whose message says what is wrong and that (or whether) anything changed. */
export class MembershipError extends Error {}

export interface MembershipOutcome {
  /** What the phase did: the ids it added or removed (none when the membership already matched). */
  added: number[];
  removed: number[];
  /** The committed configuration afterwards. */
  version?: string;
}

const ids = (lines: string[]) => parseEnsembleConfig(lines.join("\n")).members.map((m) => m.id);

/** The committed membership, as a serving server's `conf` tells it (QuorumZooKeeperServer.dumpConf: "membership: " then QuorumMaj.toString). */
export function membershipFromConf(text: string): EnsembleConfig | undefined {
  const at = text.search(/^membership: *$/m);
  if (at < 0) return undefined;
  const config = parseEnsembleConfig(text.slice(at).replace(/^membership: *$/m, ""));
  return config.version !== undefined && config.members.length ? config : undefined;
}

/** What the phase must change, from the committed membership to the target; pure. */
export function planChange(phase: MembershipPhase, committed: EnsembleConfig, target: string[]) {
  const want = new Set(ids(target));
  const have = new Set(committed.members.map((m) => m.id));
  const leaving = [...have].filter((id) => !want.has(id)).sort((a, b) => a - b);
  const targetIds = ids(target);
  const joining = target.filter((_, i) => !have.has(targetIds[i]));
  return phase === "remove" ? { leaving, joining: [] as string[] } : { leaving: [] as number[], joining, leftover: leaving };
}

/** Codes after which the committed configuration tells what happened: the next round reads it and goes on from there. */
const RETRY_CODES = ["BAD_VERSION", "RECONFIG_IN_PROGRESS", "CONNECTION_LOSS", "OPERATION_TIMEOUT", "SESSION_EXPIRED"];
const ROUNDS = 4;

export async function convergeMembership(run: MembershipRun): Promise<MembershipOutcome> {
  const outcome: MembershipOutcome = { added: [], removed: [] };
  for (let round = 1; ; round++) {
    const committed = await readCommitted(run);
    if (committed === "no-servers") {
      run.log(`membership ${run.phase}: no server exists yet (a new ensemble): nothing to change`);
      return outcome;
    }
    outcome.version = formatConfigVersion(committed.version!);
    const plan = planChange(run.phase, committed, run.target);
    if ("leftover" in plan && plan.leftover && plan.leftover.length) {
      throw new MembershipError(
        `servers ${plan.leftover.join(", ")} are still members, beyond the ${run.target.length} wanted: the remove phase did not run or did not finish; nothing was changed`,
      );
    }
    const members = committed.members.map((m) => m.id).join(", ");
    if (!plan.leaving.length && !plan.joining.length) {
      run.log(`membership ${run.phase}: members ${members} (version ${outcome.version}): ${round === 1 ? "nothing to change" : "done"}`);
      return outcome;
    }
    if (round > ROUNDS) {
      throw new MembershipError(
        `the membership is still ${members} after ${ROUNDS} reconfigs, not the ${run.target.length} wanted: run pulumi up again`,
      );
    }
    await refuseUnlessHealthy(run, committed);
    await waitForJoiners(run, plan.joining);

    const what = plan.leaving.length ? `removing ${plan.leaving.join(", ")}` : `adding ${ids(plan.joining).join(", ")}`;
    run.log(`membership ${run.phase}: members ${members} (version ${outcome.version}), ${what}`);
    const code = await reconfigOnce(run, plan.leaving.length ? { leaving: plan.leaving } : { joining: plan.joining }, committed.version!);
    if (code === undefined) {
      outcome.added.push(...ids(plan.joining));
      outcome.removed.push(...plan.leaving);
    } else {
      run.log(`membership ${run.phase}: the reconfig got ${code}; reading the committed membership again`);
      await sleep(1000);
    }
  }
}

/** The newest membership any endpoint's `conf` tells; "no-servers" when none answers and (remove phase) no server exists. */
async function readCommitted(run: MembershipRun): Promise<EnsembleConfig | "no-servers"> {
  const requestMs = run.requestMs ?? 5000;
  const answers = await Promise.all(
    run.endpoints.map(async (endpoint) => {
      const conf = await fourLetterWord(addressOf(run, endpoint.host), endpoint.port, "conf", requestMs);
      return { endpoint: formatAddress(endpoint), conf, config: "text" in conf ? membershipFromConf(conf.text) : undefined };
    }),
  );
  const configs = answers.flatMap((a) => (a.config ? [a.config] : []));
  if (configs.length) return configs.reduce((a, b) => (b.version! > a.version! ? b : a));
  if (run.phase === "remove" && !(await run.serversExist())) return "no-servers";
  const why = answers.map((a) => `${a.endpoint}: ${"text" in a.conf ? `'${firstLine(a.conf.text)}'` : a.conf.message}`).join("; ");
  throw new MembershipError(`no member serves (${why}): the membership was not read, and nothing was changed`);
}

/** Every member serves and exactly one leads, or a refusal naming who does not. */
async function refuseUnlessHealthy(run: MembershipRun, committed: EnsembleConfig): Promise<void> {
  const modes = await Promise.all(
    committed.members.map(async (m) => ({ id: m.id, host: m.addresses[0].host, mode: await modeOf(run, m.addresses[0].host) })),
  );
  const notServing = modes.filter((m) => !["leader", "follower"].includes(m.mode));
  if (notServing.length) {
    throw new MembershipError(
      `a resize needs every member serving, and ${notServing.map((m) => `server.${m.id} (${m.host}) is ${m.mode}`).join(", ")}: nothing was changed; ` +
        `bring it back (kubectl get pods; npm run verify -- --stack <stack>) and run pulumi up again`,
    );
  }
  const leaders = modes.filter((m) => m.mode === "leader");
  if (leaders.length !== 1) {
    throw new MembershipError(`a resize needs exactly one leader, and ${leaders.length} members lead: nothing was changed`);
  }
}

/** A new server joins only once it follows the leader: it has synced, as a non-voting member. */
async function waitForJoiners(run: MembershipRun, joining: string[]): Promise<void> {
  const waitMs = run.joinWaitMs ?? 120000;
  for (const line of joining) {
    const member = parseEnsembleConfig(line).members[0];
    const host = member.addresses[0].host;
    const deadline = Date.now() + waitMs;
    for (;;) {
      const mode = await modeOf(run, host);
      if (mode === "follower") break;
      if (Date.now() > deadline) {
        throw new MembershipError(
          `server.${member.id} (${host}) does not follow the leader after ${Math.round(waitMs / 1000)} s (it is ${mode}): it has not synced, so it was not added; nothing was changed (kubectl logs <its pod>)`,
        );
      }
      await sleep(1000);
    }
  }
}

/** One reconfig as the super user: undefined when it was applied, else a code after which the next round reads again. */
async function reconfigOnce(
  run: MembershipRun,
  change: { leaving: number[] } | { joining: string[] },
  fromConfig: bigint,
): Promise<string | undefined> {
  const requestMs = run.requestMs ?? 5000;
  const connection = run.endpoints.map((e) => formatAddress({ host: addressOf(run, e.host), port: e.port })).join(",");
  const client = await ZkClient.open(connection, { connectMs: requestMs, requestMs: 30000, sessionTimeoutMs: 10000, sasl: run.sasl }).catch(
    (e) => {
      throw explainLogin(e, run);
    },
  );
  try {
    await client.reconfig({ ...change, fromConfig });
    return undefined;
  } catch (e) {
    if (!(e instanceof ZkError)) throw e;
    if (e.code === "NO_AUTH" || e.code === "AUTH_FAILED") throw explainLogin(e, run);
    if (RETRY_CODES.includes(e.code)) return e.code;
    throw new MembershipError(`the reconfig was refused with ${e.code}: ${reconfigHint(e.code)}; nothing was changed`);
  } finally {
    client.close();
  }
}

const addressOf = (run: MembershipRun, host: string) => (run.addressOf ? run.addressOf(host) : host);

function explainLogin(e: unknown, run: MembershipRun): Error {
  const code = e instanceof ZkError ? e.code : (e as Error).message;
  if (/AUTH_FAILED|NO_AUTH/.test(code)) {
    return new MembershipError(
      `the servers refused ${run.sasl.username} (${code}): the super user's password the membership job has is not the one the running servers ` +
        `loaded at start (the servers read their JAAS file once; a pod not restarted since the password changed keeps the old one); nothing was changed`,
    );
  }
  return e instanceof Error ? e : new Error(String(e));
}

function reconfigHint(code: string): string {
  switch (code) {
    case "RECONFIG_DISABLED":
      return "the servers run without reconfigEnabled (still static: finish the move to membership dynamic, replicas unchanged, first)";
    case "NEW_CONFIG_NO_QUORUM":
      return "the new membership's quorum is not connected and synced with the leader";
    case "BAD_ARGUMENTS":
      return "the change would leave no participant, or a line is malformed";
    default:
      return "see zookeeperReconfig.md";
  }
}

/** A server's `srvr` Mode (leader, follower, observer, standalone), or why there is none. */
async function modeOf(run: MembershipRun, host: string): Promise<string> {
  const answer = await fourLetterWord(addressOf(run, host), run.clientPort, "srvr", run.requestMs ?? 5000);
  if (!("text" in answer)) return `not answering (${answer.message})`;
  const mode = /^Mode: (\S+)$/m.exec(answer.text);
  return mode ? mode[1] : `not serving ('${firstLine(answer.text)}')`;
}

const firstLine = (text: string) => text.split("\n")[0].trim();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
