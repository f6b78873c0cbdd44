// Every port of a server, once: the container's ports, the Services' ports and targets, zoo.cfg and
// the probes all come from this table, so a port cannot be renamed or renumbered in one place only.

/**
 * Who may reach a port: clients (the client Service, its NodePort twin, and the NetworkPolicy's
 * client rule), peers (the headless Service; only the ensemble's own pods), or the pod itself (bound
 * to loopback: no container port, no Service, closed by the NetworkPolicy).
 */
export type PortAudience = "clients" | "peers" | "pod";

/** Every port a server listens on. */
export const PORT_TABLE = [
  { key: "client", name: "client", port: 2181, audience: "clients" },
  { key: "server", name: "server", port: 2888, audience: "peers" },
  { key: "leaderElection", name: "leader-election", port: 3888, audience: "peers" },
  // The AdminServer: no authentication, so loopback only (zoo.cfg admin.serverAddress).
  { key: "admin", name: "admin", port: 8080, audience: "pod" },
] as const satisfies readonly { key: string; name: string; port: number; audience: PortAudience }[];

type PortKey = (typeof PORT_TABLE)[number]["key"];

/** The port numbers by key. Fixed: every tutorial command and client assumes them. */
export const PORTS = Object.fromEntries(PORT_TABLE.map((p) => [p.key, p.port])) as { readonly [K in PortKey]: number };

/** The container's named ports: those other pods may reach. */
export function containerPorts(): { name: string; containerPort: number }[] {
  return PORT_TABLE.filter((p) => p.audience !== "pod").map((p) => ({ name: p.name, containerPort: p.port }));
}

/** The ports of one audience, by name and number. */
export function portsFor(audience: PortAudience): { name: string; port: number }[] {
  return PORT_TABLE.filter((p) => p.audience === audience).map(({ name, port }) => ({ name, port }));
}

/** A Service's ports for one audience, each targeting the container port of the same name. */
export function servicePorts(
  audience: "clients" | "peers",
  nodePort?: number,
): { name: string; port: number; targetPort: string; nodePort?: number }[] {
  return portsFor(audience).map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.name,
    ...(nodePort !== undefined ? { nodePort } : {}),
  }));
}
