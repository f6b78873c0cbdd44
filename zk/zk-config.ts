// ZooKeeper's dynamic configuration as the server writes it: the data of /zookeeper/config and the
// dynamic configuration files (zoo.cfg.dynamic.<version>). One line per member,
//   server.<id>=<host>:<quorumPort>:<electionPort>[:<role>][|<host>:<quorumPort>:<electionPort>...][;[<clientHost>:]<clientPort>]
// and `version=<hex>`, the configuration's id: the zxid of the reconfig that made it (or of the first
// leader's NEWLEADER). Read at apache/zookeeper release-3.8.0-1 (unchanged at release-3.9.5):
// QuorumMaj.toString (the lines and the version), QuorumPeer.QuorumServer.toString (a member: every
// address, the role always written, the client address only when it came from the dynamic file),
// QuorumPeer.QuorumServer's constructor (what it accepts: role optional, client host optional,
// IPv6 hosts in brackets), and zookeeper-docs zookeeperReconfig.md.
import { MemberSpec, MemberRole, memberLine as specLine } from "./facts/member-line";

export type { MemberRole };

export interface MemberAddress {
  /** A host name or address; an IPv6 address without its brackets. */
  host: string;
  quorumPort: number;
  electionPort: number;
}

export interface EnsembleMember {
  /** The server id: its myid. */
  id: number;
  /** Quorum and election addresses; more than one only with 3.6's multiple addresses (`|`). */
  addresses: MemberAddress[];
  /** Participants vote; observers do not. A line without a role is a participant. */
  role: MemberRole;
  /** The client address, when the line has one (the server writes it only when it came from the dynamic file). */
  client?: { host?: string; port: number };
  /** The value after `server.<id>=` as written: what a reconfig's joining line takes back. */
  spec: string;
}

export interface EnsembleConfig {
  /** In id order. */
  members: EnsembleMember[];
  /** The configuration id (hex in the text), absent from a dynamic file without one. */
  version?: bigint;
  /** Other lines (a hierarchical quorum's group.N and weight.N), as written. */
  other: string[];
}

export class ConfigParseError extends Error {}

export type { MemberSpec };

const HOST_PORTS = /^(\[[^\]]+\]|[^:[\]]+):(\d+):(\d+)(?::(participant|observer))?$/;

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

function port(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new ConfigParseError(`${what}: '${text}' is not a port`);
  return n;
}

/** Parses one member's value (the text after `server.<id>=`). */
export function parseMember(id: number, spec: string): EnsembleMember {
  const value = spec.trim();
  const semicolon = value.indexOf(";");
  const serverPart = semicolon < 0 ? value : value.slice(0, semicolon);
  const clientPart = semicolon < 0 ? undefined : value.slice(semicolon + 1).trim();
  const roles = new Set<MemberRole>();
  const addresses = serverPart.split("|").map((piece) => {
    const m = HOST_PORTS.exec(piece.trim());
    if (!m) throw new ConfigParseError(`server.${id}: '${piece}' is not host:quorumPort:electionPort[:role]`);
    if (m[4]) roles.add(m[4] as MemberRole);
    return {
      host: unbracket(m[1]),
      quorumPort: port(m[2], `server.${id} quorum port`),
      electionPort: port(m[3], `server.${id} election port`),
    };
  });
  if (roles.size > 1) throw new ConfigParseError(`server.${id}: its addresses name different roles`);
  let client: EnsembleMember["client"];
  if (clientPart) {
    const colon = clientPart.lastIndexOf(":");
    client =
      colon < 0
        ? { port: port(clientPart, `server.${id} client port`) }
        : { host: unbracket(clientPart.slice(0, colon)), port: port(clientPart.slice(colon + 1), `server.${id} client port`) };
  }
  return { id, addresses, role: [...roles][0] ?? "participant", ...(client ? { client } : {}), spec: value };
}

/** Parses /zookeeper/config's data or a dynamic configuration file; blank lines and # comments are skipped. */
export function parseEnsembleConfig(text: string): EnsembleConfig {
  const members: EnsembleMember[] = [];
  const other: string[] = [];
  let version: bigint | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq < 0) throw new ConfigParseError(`'${line}' is not key=value`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const server = /^server\.(\d+)$/.exec(key);
    if (server) {
      const id = Number(server[1]);
      if (!Number.isSafeInteger(id) || id < 1) throw new ConfigParseError(`${key}: the id must be a positive integer`);
      if (members.some((m) => m.id === id)) throw new ConfigParseError(`${key} appears twice`);
      members.push(parseMember(id, value));
    } else if (key === "version") {
      if (!/^[0-9a-fA-F]{1,16}$/.test(value)) throw new ConfigParseError(`version: '${value}' is not a hex configuration id`);
      version = BigInt(`0x${value}`);
    } else {
      other.push(line);
    }
  }
  members.sort((a, b) => a.id - b.id);
  return { members, ...(version !== undefined ? { version } : {}), other };
}

/** The configuration id as ZooKeeper writes it (Long.toHexString): lowercase hex, no leading zeros. */
export function formatConfigVersion(version: bigint): string {
  return version.toString(16);
}

/** A member's line as a dynamic file and a reconfig's joining list take it: `server.<id>=...`. */
export function memberLine(m: MemberSpec | EnsembleMember): string {
  return "spec" in m ? `server.${m.id}=${m.spec}` : specLine(m);
}

/** The voting members' ids. */
export function participants(config: EnsembleConfig): number[] {
  return config.members.filter((m) => m.role === "participant").map((m) => m.id);
}
