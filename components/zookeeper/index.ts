export { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "./ensemble";
export { ENSEMBLE_DEFAULTS, EnsembleOptions, EnsembleSettings, AntiAffinityMode, ZoneSpreadMode, Toleration, ZooKeeperTunables, PORTS, resolveEnsembleSettings } from "./settings";
export { quorumSize, planDisruptionBudget } from "./quorum";
export * from "./names";
