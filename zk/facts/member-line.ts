// One member of a dynamic configuration as a line: `server.<id>=<host>:<quorumPort>:<electionPort>:<role>[;[<clientHost>:]<clientPort>]`
// (apache/zookeeper release-3.8.0-1 QuorumPeer.QuorumServer; zookeeperReconfig.md). Here, not in
// zk/zk-config.ts (which parses such lines and re-exports this), because the program renders
// lines: zk/facts/ is the part of the library the program imports (tsconfig.json), and imports
// nothing else.

export type MemberRole = "participant" | "observer";

export interface MemberSpec {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
  role?: MemberRole;
  /** Client address: `;host:port`, or `;port` (every address of the server) when host is absent. */
  clientHost?: string;
  /**
   * Absent: no client part, and the server listens where its static zoo.cfg says (clientPort,
   * clientPortAddress), which it then keeps (QuorumPeerConfig.setupClientPort, isClientAddrFromStatic).
   * A reconfig's joining line needs one (PrepRequestProcessor).
   */
  clientPort?: number;
}

/** An IPv6 address in brackets, as the server writes it. */
export function bracket(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** The line of a member given by its parts. */
export function memberLine(m: MemberSpec): string {
  const server = `server.${m.id}=${bracket(m.host)}:${m.quorumPort}:${m.electionPort}:${m.role ?? "participant"}`;
  if (m.clientPort === undefined) return server;
  return `${server};${m.clientHost === undefined ? `${m.clientPort}` : `${bracket(m.clientHost)}:${m.clientPort}`}`;
}
