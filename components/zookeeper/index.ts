export { ZooKeeperEnsemble, ZooKeeperEnsembleArgs, EnsembleInCluster } from "./ensemble";
export { ENSEMBLE_DEFAULTS, EnsembleOptions, AntiAffinityMode, ZoneSpreadMode, Toleration, ZooKeeperTunables, PORTS } from "./options";
