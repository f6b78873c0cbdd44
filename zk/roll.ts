// Quorum-aware rolling restarts (issue 24): the servers restart one at a time, followers first, each
// next one only once the restarted server is Ready, serves, and the leader counts it synced; the
// leader last. A roll then costs one election, the leader's own, whatever its ordinal.
//
// Why an orchestrator, not the StatefulSet's own roll (kubernetes v1.36.3
// pkg/controller/statefulset/stateful_set_control.go updateStatefulSet): RollingUpdate deletes "the
// Pod with the largest ordinal that does not match the update revision", above `partition`, so the
// order is always zk-N-1 .. zk-0, and a partition can only hold back a lowest-ordinals prefix: neither
// can put the leader last when it is not zk-0. With OnDelete the controller "short circuits" (pods
// are updated only when deleted) and recreates a deleted pod at the update revision
// (stateful_set_utils.go newVersionedStatefulSetPod): the order is ours, one pod deletion at a time.
//
// The loop reads everything it decides on from the cluster and the servers each round (which pods
// run the new template, who leads, who is synced), so a run killed at any point and run again goes
// on where the first stopped, and never restarts a second server while one is still coming back.
// The Kubernetes part sits behind RollCluster: jobs/roll.ts implements it against the API server,
// harness/roll-ensemble.ts on local servers.
import { fourLetterWord, FourLetterResult } from "./verify/four-letter";
import type { TlsDial } from "./tls-dial";
import { SrvrAnswer, parseSrvr, parseMntr, learnerCounts } from "./verify/zk-answers";

/** One server's pod, as the StatefulSet controller keeps it. */
export interface PodState {
  ordinal: number;
  /** `absent`: deleted and not yet recreated; `terminating`: deletion under way. */
  phase: "absent" | "terminating" | "running";
  /** The pod's Ready condition (the readiness probe: srvr says leader or follower). */
  ready: boolean;
  /** Whether the pod runs the StatefulSet's update revision (its controller-revision-hash label). */
  updated: boolean;
}

/** The Kubernetes part of a roll. */
export interface RollCluster {
  /**
   * The servers' pods. `settled` is false while the controller has not yet observed the StatefulSet's
   * latest spec (status.observedGeneration < metadata.generation): until then `updated` means nothing.
   */
  pods(): Promise<{ settled: boolean; pods: PodState[] }>;
  /** Deletes a server's pod; its controller recreates it with the new template. */
  deletePod(ordinal: number): Promise<void>;
}

/** What the servers answered, one per ordinal. */
export interface ServerView {
  ordinal: number;
  pod?: PodState;
  srvr: SrvrAnswer;
}

export interface RollView {
  replicas: number;
  settled: boolean;
  servers: ServerView[];
  /** The leader's `mntr` zk_synced_followers; undefined when there is no single leader or it did not say. */
  leaderSynced?: number;
}

export type RollStep =
  | { kind: "done"; why: string }
  | { kind: "wait"; ordinal?: number; why: string }
  | { kind: "restart"; ordinal: number; leader: boolean; why: string };

/** The server's name in messages: its pod's. */
export type NameOf = (ordinal: number) => string;
const defaultName: NameOf = (i) => `zk-${i}`;

/**
 * The next step of a roll, from what the cluster and the servers say now; pure. It restarts only when
 * every server is Ready and serving, exactly one leads and it counts every follower synced; then an
 * outdated follower (the highest ordinal first, as the controller would), and the leader only when no
 * follower is outdated. Otherwise it says whom it waits for and why.
 */
export function planRoll(view: RollView, nameOf: NameOf = defaultName): RollStep {
  if (!view.settled) return { kind: "wait", why: "the StatefulSet controller has not yet observed the new template" };
  const byOrdinal = new Map(view.servers.map((s) => [s.ordinal, s]));
  for (let i = 0; i < view.replicas; i++) {
    const s = byOrdinal.get(i);
    const name = nameOf(i);
    if (!s?.pod || s.pod.phase === "absent") return { kind: "wait", ordinal: i, why: `${name} has no pod yet (being recreated)` };
    if (s.pod.phase === "terminating") return { kind: "wait", ordinal: i, why: `${name} is terminating` };
    if (!s.pod.ready) return { kind: "wait", ordinal: i, why: `${name} is not Ready` };
    if (!s.srvr.serving) return { kind: "wait", ordinal: i, why: `${name} does not serve ('${s.srvr.why}')` };
  }
  const servers = Array.from({ length: view.replicas }, (_, i) => byOrdinal.get(i)!);
  const mode = (s: ServerView) => (s.srvr.serving ? s.srvr.mode : "");
  const outdated = (s: ServerView) => !s.pod!.updated;

  if (view.replicas === 1) {
    // One server has nobody to hand over to: its restart is an outage, whatever the order.
    return outdated(servers[0])
      ? { kind: "restart", ordinal: 0, leader: true, why: `${nameOf(0)} is the only server` }
      : { kind: "done", why: `${nameOf(0)} runs the new template` };
  }
  const leaders = servers.filter((s) => mode(s) === "leader");
  if (leaders.length !== 1) {
    return {
      kind: "wait",
      why: leaders.length ? `${leaders.map((s) => nameOf(s.ordinal)).join(" and ")} all lead` : "no server leads (an election)",
    };
  }
  const leader = leaders[0];
  const followers = servers.filter((s) => mode(s) === "follower");
  if (view.leaderSynced === undefined || view.leaderSynced < followers.length) {
    return {
      kind: "wait",
      ordinal: leader.ordinal,
      why:
        view.leaderSynced === undefined
          ? `the leader ${nameOf(leader.ordinal)} did not say how many followers are synced (mntr zk_synced_followers)`
          : `the leader ${nameOf(leader.ordinal)} counts ${view.leaderSynced} of ${followers.length} followers synced`,
    };
  }
  const next = servers.filter((s) => s !== leader && outdated(s)).sort((a, b) => b.ordinal - a.ordinal)[0];
  if (next) {
    const left = servers.filter((s) => s !== leader && outdated(s)).length - 1;
    return {
      kind: "restart",
      ordinal: next.ordinal,
      leader: false,
      why: `a ${mode(next)}; ${left ? `${left} more before ` : ""}the leader ${nameOf(leader.ordinal)} last`,
    };
  }
  if (outdated(leader))
    return { kind: "restart", ordinal: leader.ordinal, leader: true, why: "the leader, last: every follower runs the new template" };
  return { kind: "done", why: `every server runs the new template; ${nameOf(leader.ordinal)} leads, ${followers.length} followers synced` };
}

export interface RollRun {
  cluster: RollCluster;
  replicas: number;
  /** Where server `ordinal`'s client port answers: its pod's FQDN in a cluster (tests: loopback). */
  hostOf: (ordinal: number) => string;
  /** The client port asked: the plaintext one, or with `tls` the secure one. */
  clientPort: number;
  /**
   * TLS to the secure client port (the four-letter words are answered there too), verifying server
   * `ordinal`'s certificate against `serverNameOf(ordinal)`.
   */
  tls?: TlsDial;
  /** The name server `ordinal`'s certificate is verified against; default hostOf (the tests dial loopback and verify the FQDN). */
  serverNameOf?: (ordinal: number) => string;
  nameOf?: NameOf;
  /** How long one wait may last (a restarted server coming back and syncing, another one not serving). Default 300 s. */
  waitMs?: number;
  /** Between two looks while waiting. Default 1 s. */
  pollMs?: number;
  /** Bound on each four-letter word. Default 3 s. */
  requestMs?: number;
  log: (line: string) => void;
  /** Stops the loop between two steps (tests: an orchestrator killed halfway). */
  signal?: AbortSignal;
  /** Asks a server a four-letter word; default fourLetterWord (tests: stand-in servers). */
  ask?: (host: string, port: number, word: string, ms: number, tls?: TlsDial & { servername?: string }) => Promise<FourLetterResult>;
}

export interface RollOutcome {
  /** The ordinals restarted, in order. */
  restarted: number[];
  /** The ordinal restarted as the leader, if any. */
  leaderRestarted?: number;
}

/** A roll that cannot go on: the message says whom it waited for, and that nothing else was restarted. */
export class RollError extends Error {}

/** What the cluster and the servers say now. */
export async function observeRoll(run: RollRun): Promise<RollView> {
  const requestMs = run.requestMs ?? 3000;
  const fourLetters = run.ask ?? fourLetterWord;
  const ask = (ordinal: number, word: string) =>
    fourLetters(
      run.hostOf(ordinal),
      run.clientPort,
      word,
      requestMs,
      run.tls && { ...run.tls, servername: (run.serverNameOf ?? run.hostOf)(ordinal) },
    );
  const { settled, pods } = await run.cluster.pods();
  const servers = await Promise.all(
    Array.from({ length: run.replicas }, async (_, ordinal): Promise<ServerView> => {
      const pod = pods.find((p) => p.ordinal === ordinal);
      const answer = await ask(ordinal, "srvr");
      return { ordinal, pod, srvr: "text" in answer ? parseSrvr(answer.text) : { serving: false, why: answer.message } };
    }),
  );
  const leaders = servers.filter((s) => s.srvr.serving && s.srvr.mode === "leader");
  let leaderSynced: number | undefined;
  if (leaders.length === 1) {
    const mntr = await ask(leaders[0].ordinal, "mntr");
    if ("text" in mntr) leaderSynced = learnerCounts(parseMntr(mntr.text)).synced;
  }
  return { replicas: run.replicas, settled, servers, leaderSynced };
}

/** Rolls the servers to the StatefulSet's update revision; resolves when every server runs it, rejects with a RollError past a bound. */
export async function rollServers(run: RollRun): Promise<RollOutcome> {
  const nameOf = run.nameOf ?? defaultName;
  const waitMs = run.waitMs ?? 300000;
  const pollMs = run.pollMs ?? 1000;
  const outcome: RollOutcome = { restarted: [] };
  let waiting: { key: string; since: number; why: string } | undefined;
  for (;;) {
    stopIfAborted(run);
    const step = planRoll(await observeRoll(run), nameOf);
    if (step.kind === "done") {
      run.log(`roll: done: ${step.why} (restarted ${outcome.restarted.map(nameOf).join(", ") || "nothing"})`);
      return outcome;
    }
    if (step.kind === "restart") {
      waiting = undefined;
      run.log(`roll: restarting ${nameOf(step.ordinal)} (${step.why})`);
      await run.cluster.deletePod(step.ordinal);
      outcome.restarted.push(step.ordinal);
      if (step.leader) outcome.leaderRestarted = step.ordinal;
      await waitUntilReplaced(run, step.ordinal, nameOf, waitMs, pollMs);
      continue;
    }
    // One bound per server waited for (or for the ensemble), however its reason changes on the way
    // (no pod, not Ready, not serving): a restarted server has waitMs to come back, then to sync.
    const key = step.ordinal === undefined ? "ensemble" : `server ${step.ordinal}`;
    const now = Date.now();
    if (waiting?.key !== key) waiting = { key, since: now, why: "" };
    if (waiting.why !== step.why) {
      run.log(`roll: waiting: ${step.why}`);
      waiting.why = step.why;
    }
    if (now - waiting.since > waitMs) {
      throw new RollError(
        `waited ${Math.round(waitMs / 1000)} s and ${step.why}: no other server was restarted ` +
          `(restarted so far: ${outcome.restarted.map(nameOf).join(", ") || "none"}); bring it back (kubectl describe pod, kubectl logs) and run pulumi up again to resume`,
      );
    }
    await sleep(pollMs, run.signal);
  }
}

/** After a deletion: until the pod is seen gone, terminating or recreated (never the old one still running), bounded. */
async function waitUntilReplaced(run: RollRun, ordinal: number, nameOf: NameOf, waitMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pod = (await run.cluster.pods()).pods.find((p) => p.ordinal === ordinal);
    if (!pod || pod.phase !== "running" || pod.updated) return;
    if (Date.now() > deadline) {
      throw new RollError(`${nameOf(ordinal)} was deleted but still runs the old template after ${Math.round(waitMs / 1000)} s`);
    }
    stopIfAborted(run);
    await sleep(Math.min(pollMs, 250), run.signal);
  }
}

function stopIfAborted(run: RollRun): void {
  if (run.signal?.aborted) throw new RollError("roll: stopped");
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
