import { ResolvedEnsemble, portFeatures } from "./options";
import { ensembleLabels, podSelector } from "./labels";
import { listeningPorts, PortAudience, PORT_NAMES } from "./ports";
import { membershipLabels } from "./membership-jobs";
import { tenantLabels } from "./tenants";
import { rollLabels } from "./roll-job";
import { jobsServerPort } from "./tls";

/** The NetworkPolicy peers of each audience; undefined: nobody (the port is closed to other pods). */
function peersOf(audience: PortAudience, s: ResolvedEnsemble) {
  if (audience === "peers") return [{ podSelector: { matchLabels: podSelector(s.names) } }];
  if (audience === "clients") {
    const access = s.clientAccess;
    if (access.mode === "any") return [];
    if (access.mode === "namespace") return [{ podSelector: {} }];
    return [{ namespaceSelector: {}, podSelector: { matchLabels: access.label } }];
  }
  if (audience === "scrapers") {
    const ns = s.metricsAccessNamespace;
    return ns ? [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } }] : [];
  }
  return undefined;
}

/**
 * Ingress to the servers, port by port from the port table: the quorum and election ports from the
 * ensemble's own pods only, the client ports as `clientAccess` says, the metrics port from the pods of
 * `metricsAccessNamespace` (any pod or node when unset), loopback-only ports from nobody. Egress is left open (servers resolve and reach each other, clients reach DNS).
 */
export function renderNetworkPolicy(s: ResolvedEnsemble) {
  if (!s.networkPolicy) return undefined;
  const listening = listeningPorts(portFeatures(s));
  const audiences: PortAudience[] = ["peers", "clients", "scrapers"];
  const ingress = audiences.flatMap((audience) => {
    const ports = listening.filter((p) => p.audience === audience).map((p) => ({ protocol: "TCP", port: p.name }));
    const from = peersOf(audience, s);
    if (!from || !ports.length) return [];
    return [{ ports, ...(from.length ? { from } : {}) }];
  });
  // Dynamic membership: joining servers and the membership Jobs read the membership on the plaintext
  // client port (membership rules out tls on, where it is on loopback only).
  if (s.membership === "dynamic") {
    ingress.push({
      ports: [{ protocol: "TCP", port: PORT_NAMES.client }],
      from: [{ podSelector: { matchLabels: podSelector(s.names) } }, { podSelector: { matchLabels: membershipLabels(s.names) } }],
    });
  }
  // The tenants Job and the roll Job (rollOrder leader-last) talk to every server, whatever
  // clientAccess admits: on the plaintext client port, or from tls stage prefer on the secure one
  // (jobsServerPort, tls.ts).
  const jobsPort = jobsServerPort(s.tlsStage).portName;
  if (s.tenants?.length) {
    ingress.push({
      ports: [{ protocol: "TCP", port: jobsPort }],
      from: [{ podSelector: { matchLabels: tenantLabels(s.names) } }],
    });
  }
  if (s.rollOrder === "leader-last") {
    ingress.push({
      ports: [{ protocol: "TCP", port: jobsPort }],
      from: [{ podSelector: { matchLabels: rollLabels(s.names) } }],
    });
  }
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: s.names.networkPolicy, namespace: s.namespace, labels: ensembleLabels(s.names) },
    spec: { podSelector: { matchLabels: podSelector(s.names) }, policyTypes: ["Ingress"], ingress },
  };
}
