// Reading the answers of `srvr` and `mntr` (ZooKeeper 3.5 to 3.9 formats).

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
