import * as pulumi from "@pulumi/pulumi";
import { EnsembleShape, transitionProblems } from "./transitions";

/** Bumped whenever the provider's behaviour changes (Pulumi keeps the provider's code in the state). */
export const TRANSITION_GUARD_VERSION = "2";

interface GuardInputs extends EnsembleShape {
  providerVersion: string;
}

/**
 * Refuses, before anything changes, an update the running ensemble can only take in steps. Its
 * check sees the inputs the last update stored (what that update asked for) beside the new ones;
 * the engine reports its failures as errors and changes nothing that depends on the guard, which is
 * every other object of the ensemble. It creates nothing.
 */
const transitionGuardProvider: pulumi.dynamic.ResourceProvider = {
  async check(olds: Partial<GuardInputs>, news: GuardInputs) {
    // State stored by version 1 has no membership: those ensembles were static.
    const before =
      olds && olds.tls !== undefined && olds.replicas !== undefined
        ? { tls: olds.tls, replicas: olds.replicas, membership: olds.membership ?? "static" }
        : undefined;
    const after = { tls: news.tls, replicas: news.replicas, membership: news.membership };
    const failures = transitionProblems(before, after).map((p) => ({
      property: p.argument,
      reason: p.reason,
    }));
    return { inputs: news, failures };
  },
  async diff(_id: string, olds: GuardInputs, news: GuardInputs) {
    return {
      changes:
        olds.tls !== news.tls ||
        olds.replicas !== news.replicas ||
        olds.membership !== news.membership ||
        olds.providerVersion !== news.providerVersion,
    };
  },
  async create(inputs: GuardInputs) {
    return { id: "transition-guard", outs: { ...inputs, seedReplicas: inputs.replicas } };
  },
  // A new ensemble's seed is all of it; after a resize, the smaller size: during a grow only servers
  // that were members already (components/zookeeper/membership.ts, renderSeedConfigMap).
  async update(_id: string, olds: GuardInputs, news: GuardInputs) {
    return { outs: { ...news, seedReplicas: Math.min(olds.replicas, news.replicas) } };
  },
};

/** The guard of one ensemble; see transitionGuardProvider. */
export class TransitionGuard extends pulumi.dynamic.Resource {
  /** How many servers the seed lists (see the provider's update); unknown in a preview of a change. */
  declare public readonly seedReplicas: pulumi.Output<number | undefined>;

  constructor(name: string, shape: EnsembleShape, opts?: pulumi.CustomResourceOptions) {
    super(
      transitionGuardProvider,
      name,
      { ...shape, providerVersion: TRANSITION_GUARD_VERSION, seedReplicas: undefined },
      opts,
      "zookeeper",
      "TransitionGuard",
    );
  }
}
