// Every port of a server, once: the container's ports, the Services' ports and targets, the
// NetworkPolicy, zoo.cfg and the probes all come from this table, so a port cannot be renamed or
// renumbered in one place only.

/**
 * Who may reach a port: clients (the client Service, its NodePort twin, the NetworkPolicy's client
 * rule), peers (the headless Service; only the ensemble's own pods), scrapers (the metrics port), or
 * the pod itself (bound to loopback: no container port, no Service, closed by the NetworkPolicy).
 */
export type PortAudience = "clients" | "peers" | "scrapers" | "pod";

/** What changes which ports a server listens on, and for whom. */
export interface PortFeatures {
  /**
   * Which client ports clients use: the plaintext one (off), both (while TLS is being turned on or
   * off), or the secure one only, the plaintext one then on loopback (probes, port-forward).
   */
  clientPorts: "plaintext" | "both" | "secure";
  metrics: boolean;
}

interface PortSpec {
  key: string;
  name: string;
  port: number;
  /** undefined: the server does not listen on it. */
  audience(f: PortFeatures): PortAudience | undefined;
}

/** Every port a server may listen on. */
const PORT_TABLE = [
  { key: "client", name: "client", port: 2181, audience: (f: PortFeatures) => (f.clientPorts === "secure" ? "pod" : "clients") },
  {
    key: "secureClient",
    name: "client-tls",
    port: 2281,
    audience: (f: PortFeatures) => (f.clientPorts === "plaintext" ? undefined : "clients"),
  },
  { key: "server", name: "server", port: 2888, audience: () => "peers" },
  { key: "leaderElection", name: "leader-election", port: 3888, audience: () => "peers" },
  // The AdminServer: no authentication, so loopback only (zoo.cfg admin.serverAddress).
  { key: "admin", name: "admin", port: 8080, audience: () => "pod" },
  // The Prometheus provider's default port (PrometheusMetricsProvider, apache/zookeeper release-3.9.5).
  { key: "metrics", name: "metrics", port: 7000, audience: (f: PortFeatures) => (f.metrics ? "scrapers" : undefined) },
] as const satisfies readonly PortSpec[];

type PortKey = (typeof PORT_TABLE)[number]["key"];

/** The port numbers by key. Fixed: every tutorial command and client assumes them. */
export const PORTS = Object.fromEntries(PORT_TABLE.map((p) => [p.key, p.port])) as { readonly [K in PortKey]: number };

/** The container port names by key: what Services, probes and monitors refer to. */
export const PORT_NAMES = Object.fromEntries(PORT_TABLE.map((p) => [p.key, p.name])) as { readonly [K in PortKey]: string };

export interface ListeningPort {
  key: PortKey;
  name: string;
  port: number;
  audience: PortAudience;
}

/** The ports a server listens on with these features, each with who may reach it. */
export function listeningPorts(f: PortFeatures): ListeningPort[] {
  return PORT_TABLE.flatMap((p) => {
    const audience = (p.audience as (f: PortFeatures) => PortAudience | undefined)(f);
    return audience ? [{ key: p.key, name: p.name, port: p.port, audience }] : [];
  });
}

/** The container's named ports: those other pods may reach. */
export function containerPorts(f: PortFeatures): { name: string; containerPort: number }[] {
  return listeningPorts(f)
    .filter((p) => p.audience !== "pod")
    .map((p) => ({ name: p.name, containerPort: p.port }));
}

/** The ports of one audience, by name and number. */
function portsFor(audience: PortAudience, f: PortFeatures): { name: string; port: number }[] {
  return listeningPorts(f)
    .filter((p) => p.audience === audience)
    .map(({ name, port }) => ({ name, port }));
}

/** The port clients connect to: the first clients may use, the secure one once it is the only one. */
export function clientFacingPort(f: PortFeatures): number {
  return portsFor("clients", f)[0].port;
}

/** A Service's ports for one audience, each targeting the container port of the same name. */
export function servicePorts(
  audience: "clients" | "peers" | "scrapers",
  f: PortFeatures,
  nodePort?: number,
): { name: string; port: number; targetPort: string; nodePort?: number }[] {
  // One node port: it goes to the port clients connect to (clientFacingPort).
  return portsFor(audience, f).map((p, i) => ({
    name: p.name,
    port: p.port,
    targetPort: p.name,
    ...(nodePort !== undefined && i === 0 ? { nodePort } : {}),
  }));
}
