import * as k8s from "@pulumi/kubernetes";
import { loadStackConfig } from "./stacks";
import { ZooKeeperEnsemble } from "./components/zookeeper";

// Validate every setting before any resource exists: a bad stack creates nothing.
const config = loadStackConfig();

const provider = new k8s.Provider("k8s", {});

const ensemble = new ZooKeeperEnsemble(
  "zookeeper",
  {
    provider,
    namespace: config.namespace,
    namePrefix: config.namePrefix,
    replicas: config.replicas,
    image: config.image,
    heap: config.heap,
    memory: config.memory,
    cpu: config.cpu,
    antiAffinity: config.antiAffinity,
    pdbMaxUnavailable: config.pdbMaxUnavailable,
    pdbMinAvailable: config.pdbMinAvailable,
    storageSize: config.storageSize,
    clusterDomain: config.clusterDomain,
    zookeeper: {
      tickTime: config.tickTime,
      initLimit: config.initLimit,
      syncLimit: config.syncLimit,
      maxClientCnxns: config.maxClientCnxns,
      minSessionTimeout: config.minSessionTimeout,
      maxSessionTimeout: config.maxSessionTimeout,
      snapRetainCount: config.snapRetainCount,
      purgeInterval: config.purgeInterval,
    },
  },
);

export const namespace = ensemble.namespace;
export const serverFqdns = ensemble.serverFqdns;
export const clientEndpoint = ensemble.clientEndpoint;
export const connectionString = ensemble.connectionString;
