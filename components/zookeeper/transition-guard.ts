import * as pulumi from "@pulumi/pulumi";
import { EnsembleShape, transitionProblems } from "./transitions";

/** Bumped whenever the provider's behaviour changes (Pulumi keeps the provider's code in the state). */
export const TRANSITION_GUARD_VERSION = "1";

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
    const before = olds && olds.tls !== undefined && olds.replicas !== undefined ? { tls: olds.tls, replicas: olds.replicas } : undefined;
    const failures = transitionProblems(before, { tls: news.tls, replicas: news.replicas }).map((p) => ({
      property: p.argument,
      reason: p.reason,
    }));
    return { inputs: news, failures };
  },
  async diff(_id: string, olds: GuardInputs, news: GuardInputs) {
    return { changes: olds.tls !== news.tls || olds.replicas !== news.replicas || olds.providerVersion !== news.providerVersion };
  },
  async create(inputs: GuardInputs) {
    return { id: "transition-guard", outs: inputs };
  },
  async update(_id: string, _olds: GuardInputs, news: GuardInputs) {
    return { outs: news };
  },
};

/** The guard of one ensemble; see transitionGuardProvider. */
export class TransitionGuard extends pulumi.dynamic.Resource {
  constructor(name: string, shape: EnsembleShape, opts?: pulumi.CustomResourceOptions) {
    super(transitionGuardProvider, name, { ...shape, providerVersion: TRANSITION_GUARD_VERSION }, opts, "zookeeper", "TransitionGuard");
  }
}
