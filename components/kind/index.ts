export { KindCluster, KindClusterArgs } from "./cluster";
export { renderKindConfig, renderKindConfigYaml, schedulableNodes, KIND_NODE_IMAGE, CONTROL_PLANE_TAINT, PortMapping } from "./config";
export { kindProvider, KIND_PROVIDER_VERSION, KIND_CLUSTER_NAME } from "./provider";
