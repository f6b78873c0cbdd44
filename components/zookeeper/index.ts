export { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "./ensemble";
export { ENSEMBLE_DEFAULTS, EnsembleOptions, ResolvedEnsemble, AntiAffinityMode, ZoneSpreadMode, Toleration, ZooKeeperTunables, PORTS, resolveEnsemble } from "./options";
export { quorumSize, planDisruptionBudget } from "./quorum";
export * from "./names";
