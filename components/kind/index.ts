export { KindCluster, KindClusterArgs } from "./cluster";
export { KIND_NODE_IMAGE, KIND_DEFAULTS, CONTROL_PLANE_TAINT, PortMapping } from "./config";
