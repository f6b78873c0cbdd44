// Reading the answers of `srvr`, `mntr` and `conf` (ZooKeeper 3.5 to 3.9 formats).
import { EnsembleMember, parseEnsembleConfig } from "../zk-config";

export type SrvrAnswer = { serving: true; mode: string; zxid: bigint; epoch: number } | { serving: false; why: string };

/** A zxid is the leader's epoch in its high 32 bits and a counter in its low 32. */
export function epochOf(zxid: bigint): number {
  return Number(zxid >> 32n);
}

export function parseSrvr(text: string): SrvrAnswer {
  const mode = /^Mode: (\S+)\s*$/m.exec(text)?.[1];
  const zxid = /^Zxid: (0x[0-9a-fA-F]+)\s*$/m.exec(text)?.[1];
  if (mode && zxid) return { serving: true, mode, zxid: BigInt(zxid), epoch: epochOf(BigInt(zxid)) };
  // "This ZooKeeper instance is not currently serving requests": electing, or waiting for a quorum.
  return { serving: false, why: text.trim().split("\n")[0] || "an empty answer" };
}

/** `mntr`'s tab-separated `zk_<key> <value>` lines. */
export function parseMntr(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const tab = line.indexOf("\t");
    if (line.startsWith("zk_") && tab > 0) values.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  return values;
}

/** The followers the leader has, synced or not: `zk_learners` since 3.6 (observers included), `zk_followers` before. */
export function learnerCounts(mntr: Map<string, string>): { learners?: number; synced?: number; votingMembers?: number } {
  const num = (key: string) => (mntr.has(key) && Number.isFinite(Number(mntr.get(key))) ? Number(mntr.get(key)) : undefined);
  return {
    learners: num("zk_learners") ?? num("zk_followers"),
    synced: num("zk_synced_followers"),
    votingMembers: num("zk_quorum_size"),
  };
}

/**
 * The word a server refused because its 4lw.commands.whitelist lacks it, or undefined. The server
 * answers `<word> is not executed because it is not in the whitelist.` (apache/zookeeper
 * release-3.8.0-1 and release-3.9.5, NIOServerCnxn and NettyServerCnxn checkFourLetterWord, through
 * command/NopCommand). `srvr` is never refused: FourLetterCommands.isEnabled always adds it, since
 * zkServer.sh needs it.
 */
export function refusedWord(text: string): string | undefined {
  return /^(\w{4}) is not executed because it is not in the whitelist\.?\s*$/.exec(text.trim())?.[1];
}

/** What `conf` says of the ensemble: this server's id, its client port, and the members it knows. */
export interface ConfAnswer {
  serverId?: number;
  clientPort?: number;
  /** The `membership:` part (`server.N=...` lines); absent on a standalone server or one not serving. */
  members?: EnsembleMember[];
  /** The configuration's version: the newer of two servers' views is the higher. */
  version?: bigint;
}

/**
 * `conf` as 3.5 to 3.9 write it (apache/zookeeper release-3.8.0-1, ZooKeeperServer.dumpConf then
 * QuorumZooKeeperServer.dumpConf): `key=value` lines with `serverId`, then `membership: ` and the
 * quorum verifier's `server.N=host:port:port:role[;client]` lines and `version=<hex>`.
 */
export function parseConf(text: string): ConfAnswer {
  const num = (key: string) => {
    const v = new RegExp(`^${key}=(\\d+)\\s*$`, "m").exec(text)?.[1];
    return v === undefined ? undefined : Number(v);
  };
  const answer: ConfAnswer = {};
  const serverId = num("serverId");
  const clientPort = num("clientPort");
  if (serverId !== undefined) answer.serverId = serverId;
  if (clientPort !== undefined) answer.clientPort = clientPort;
  const at = text.indexOf("\nmembership:");
  if (at >= 0) {
    const lines = text
      .slice(at)
      .split("\n")
      .filter((l) => /^(server\.\d+|version)=/.test(l.trim()));
    try {
      const config = parseEnsembleConfig(lines.join("\n"));
      if (config.members.length) answer.members = config.members;
      if (config.version !== undefined) answer.version = config.version;
    } catch {
      // A membership this parser does not read is as good as none: the list is then not compared.
    }
  }
  return answer;
}
