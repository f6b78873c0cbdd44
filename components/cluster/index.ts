export { TargetCluster, TargetClusterArgs, ClusterMode } from "./target-cluster";
