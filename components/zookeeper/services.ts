import { ResolvedEnsemble, portFeatures } from "./options";
import { servicePorts } from "./ports";
import { ensembleLabels, podSelector } from "./labels";

/**
 * The headless Service gives each server its stable DNS name. It publishes not-ready addresses:
 * peers must resolve each other to form the quorum that makes them Ready in the first place.
 */
export function renderHeadlessService(s: ResolvedEnsemble) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: s.names.headlessService, namespace: s.namespace, labels: ensembleLabels(s.names) },
    spec: {
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: podSelector(s.names),
      // Also the metrics port: its endpoints are every server, Ready or not (the client Service would
      // hand each scrape to a random Ready one).
      ports: [...servicePorts("peers", portFeatures(s)), ...servicePorts("scrapers", portFeatures(s))],
    },
  };
}

/** The client Service: one stable endpoint that balances over the Ready servers. */
export function renderClientService(s: ResolvedEnsemble) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: s.names.clientService, namespace: s.namespace, labels: ensembleLabels(s.names) },
    spec: {
      type: "ClusterIP",
      selector: podSelector(s.names),
      ports: servicePorts("clients", portFeatures(s)),
    },
  };
}

/** The client port on every node, for access from outside the cluster (kind maps it to the host). */
export function renderNodePortService(s: ResolvedEnsemble) {
  if (s.clientNodePort === undefined) return undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: `${s.names.clientService}-nodeport`, namespace: s.namespace, labels: ensembleLabels(s.names) },
    spec: {
      type: "NodePort",
      selector: podSelector(s.names),
      ports: servicePorts("clients", portFeatures(s), s.clientNodePort),
    },
  };
}
