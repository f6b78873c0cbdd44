// Every port of a server, once: the container's ports, the Services' ports and targets, zoo.cfg and
// the probes all come from this table, so a port cannot be renamed or renumbered in one place only.

/** Which Service publishes a port: the client Service (and its NodePort twin) or the headless one. */
export type PortAudience = "clients" | "peers";

const PORT_TABLE = [
  { key: "client", name: "client", port: 2181, audience: "clients" },
  { key: "server", name: "server", port: 2888, audience: "peers" },
  { key: "leaderElection", name: "leader-election", port: 3888, audience: "peers" },
] as const satisfies readonly { key: string; name: string; port: number; audience: PortAudience }[];

type PortKey = (typeof PORT_TABLE)[number]["key"];

/** The port numbers by key. Fixed: every tutorial command and client assumes them. */
export const PORTS = Object.fromEntries(PORT_TABLE.map((p) => [p.key, p.port])) as { readonly [K in PortKey]: number };

/** The container's named ports. */
export function containerPorts(): { name: string; containerPort: number }[] {
  return PORT_TABLE.map((p) => ({ name: p.name, containerPort: p.port }));
}

/** A Service's ports for one audience, each targeting the container port of the same name. */
export function servicePorts(
  audience: PortAudience,
  nodePort?: number,
): { name: string; port: number; targetPort: string; nodePort?: number }[] {
  return PORT_TABLE.filter((p) => p.audience === audience).map((p) => ({
    name: p.name,
    port: p.port,
    targetPort: p.name,
    ...(nodePort !== undefined ? { nodePort } : {}),
  }));
}
