// Changes a running ensemble can only take one step at a time. Pure: the transition guard's check
// runs this in Pulumi's provider host, serialized with it, so it imports nothing.

/**
 * TLS stages, in order. ZooKeeper's way to turn quorum TLS on without downtime (zookeeperAdmin.md,
 * "Upgrading existing non-TLS cluster with no downtime", release-3.8.0-1 and release-3.9.5): first
 * every server accepts TLS and plaintext on its quorum ports but still dials plaintext
 * (portUnification, sslQuorum false); then every server dials TLS (sslQuorum true); then plaintext
 * is refused (portUnification false). A skip breaks the roll (test/servers/tls-stages.test.ts, real 3.8
 * servers): a server that dials TLS to peers that neither speak nor accept it never becomes Ready,
 * and the roll stops there (off -> prefer or on); a TLS-only server that becomes leader turns away
 * followers that still dial plaintext, and the ensemble loses its quorum (accept -> on).
 */
export const TLS_STAGES = ["off", "accept", "prefer", "on"] as const;
export type TlsStage = (typeof TLS_STAGES)[number];

/**
 * How servers learn who the members are: `static`, a server list in zoo.cfg that every server reads at
 * start (a change of size rolls every server); `dynamic`, ZooKeeper's dynamic reconfiguration, where
 * the running ensemble changes its own membership (docs/changing-settings.md: Resizing).
 */
export const MEMBERSHIP_MODES = ["static", "dynamic"] as const;
export type MembershipMode = (typeof MEMBERSHIP_MODES)[number];

/** What the guard compares between the running ensemble and the next one. */
export interface EnsembleShape {
  tls: TlsStage;
  replicas: number;
  membership: MembershipMode;
}

export interface TransitionProblem {
  /** The argument (a key of EnsembleShape). */
  argument: keyof EnsembleShape;
  reason: string;
}

/**
 * Why the ensemble cannot go from `before` (what the last `pulumi up` asked for; undefined for a new
 * ensemble, which may start anywhere) to `after` in one `pulumi up`.
 */
export function transitionProblems(before: EnsembleShape | undefined, after: EnsembleShape): TransitionProblem[] {
  if (before === undefined) return [];
  const problems: TransitionProblem[] = [];
  const from = TLS_STAGES.indexOf(before.tls);
  const to = TLS_STAGES.indexOf(after.tls);
  if (from >= 0 && to >= 0 && Math.abs(to - from) > 1) {
    const next = TLS_STAGES[from + Math.sign(to - from)];
    const path = to > from ? TLS_STAGES.slice(from, to + 1) : TLS_STAGES.slice(to, from + 1).reverse();
    problems.push({
      argument: "tls",
      reason:
        `the running servers are at ${before.tls}, and ${after.tls} is ${Math.abs(to - from)} steps away: servers rolled straight ` +
        `there cannot talk to those not yet rolled, so the roll stops on a server that never becomes Ready or the ensemble ` +
        `loses its quorum. ` +
        `Go one step per update, ${path.join(" -> ")}, each update finished before the next: set ${next} first`,
    });
  }
  if (before.membership !== after.membership && before.replicas !== after.replicas) {
    problems.push({
      argument: "membership",
      reason:
        `the running ensemble is ${before.membership} with ${before.replicas} servers: moving it to ${after.membership} rolls every ` +
        `server, and a change of size in the same update would resize it halfway through that roll. ` +
        `Change membership alone first (replicas ${before.replicas}), then replicas in the next update`,
    });
  } else if (before.membership === "static" && after.membership === "static" && Math.abs(after.replicas - before.replicas) > 1) {
    const next = before.replicas + Math.sign(after.replicas - before.replicas);
    problems.push({
      argument: "replicas",
      reason:
        `the running ensemble has ${before.replicas} servers, and ${after.replicas} is more than one server away: every server's ` +
        `static server list changes, and servers restarted with lists of different sizes may each count a different majority. ` +
        `Change one server per update, each update finished before the next: set ${next} first, ` +
        `or set membership to dynamic (with replicas ${before.replicas}) and resize in one step after that`,
    });
  }
  return problems;
}
