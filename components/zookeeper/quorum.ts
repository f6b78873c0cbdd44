import { Problem } from "../problem";

// ZooKeeper keeps serving only while a majority of its servers is up; every rule about voluntary
// disruptions (PodDisruptionBudget) is derived from that one number.

/** The number of servers that must be up for the ensemble to serve: floor(n/2) + 1. */
export function quorumSize(replicas: number): number {
  return Math.floor(replicas / 2) + 1;
}

/** How many servers may fail while the rest still form a quorum. */
export function toleratedFailures(replicas: number): number {
  return replicas - quorumSize(replicas);
}

export type DisruptionBudget = { maxUnavailable: number } | { minAvailable: number };

export interface DisruptionPlan {
  /** undefined: no PodDisruptionBudget is created. */
  budget?: DisruptionBudget;
  warnings: string[];
  /** Keyed by the ensemble's arguments pdbMaxUnavailable and pdbMinAvailable. */
  problems: Problem[];
}

/**
 * Decides the PodDisruptionBudget of an ensemble of `replicas` servers. Internal; exported for
 * testing. An explicit setting that would let a drain take the ensemble below its quorum is a
 * problem, never silently corrected.
 */
export function planDisruptionBudget(replicas: number, maxUnavailable?: number, minAvailable?: number): DisruptionPlan {
  const quorum = quorumSize(replicas);
  const spare = replicas - quorum;
  const warnings: string[] = [];
  const problems: Problem[] = [];
  const blocksDrains = (how: string) =>
    warnings.push(
      `PodDisruptionBudget ${how}: with ${replicas} server(s) and a quorum of ${quorum}, no server may be ` +
        `evicted voluntarily, so 'kubectl drain' of a node that runs one blocks until you scale up`,
    );

  if (maxUnavailable !== undefined && minAvailable !== undefined) {
    problems.push({
      subject: "pdbMinAvailable",
      expected: `must not be set together with pdbMaxUnavailable (${maxUnavailable}); a PodDisruptionBudget takes one of them`,
      got: minAvailable,
      remedies: [{ unset: "pdbMinAvailable" }],
    });
    return { warnings, problems };
  }

  if (maxUnavailable !== undefined) {
    if (maxUnavailable > spare) {
      problems.push({
        subject: "pdbMaxUnavailable",
        expected:
          `must be at most ${spare}: ${replicas} servers need ${quorum} up for a quorum, ` + `so a drain may take down at most ${spare}`,
        got: maxUnavailable,
        remedies: [{ set: "pdbMaxUnavailable", to: spare }],
      });
    } else if (maxUnavailable === 0) {
      blocksDrains("maxUnavailable 0");
    }
    return { budget: problems.length ? undefined : { maxUnavailable }, warnings, problems };
  }

  if (minAvailable !== undefined) {
    if (minAvailable < quorum) {
      problems.push({
        subject: "pdbMinAvailable",
        expected: `must be at least ${quorum}, the quorum of ${replicas} servers, or a drain can stop the ensemble`,
        got: minAvailable,
        remedies: [{ set: "pdbMinAvailable", to: quorum }],
      });
    } else if (minAvailable > replicas) {
      problems.push({
        subject: "pdbMinAvailable",
        expected: `must be at most replicas (${replicas})`,
        got: minAvailable,
        remedies: [{ set: "pdbMinAvailable", to: quorum }],
      });
    } else if (minAvailable === replicas) {
      blocksDrains(`minAvailable ${minAvailable}`);
    }
    return { budget: problems.length ? undefined : { minAvailable }, warnings, problems };
  }

  if (replicas === 1) {
    warnings.push(
      "replicas is 1: no PodDisruptionBudget is created; a single server has no quorum to protect, " +
        "and a budget would either block every drain or protect nothing",
    );
    return { warnings, problems };
  }
  if (spare === 0) {
    blocksDrains("maxUnavailable 0 (the only safe value)");
    return { budget: { maxUnavailable: 0 }, warnings, problems };
  }
  return { budget: { maxUnavailable: 1 }, warnings, problems };
}
