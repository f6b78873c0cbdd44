// Server addresses as the commands (--servers) and the in-cluster jobs (their environment) take
// them, and the error for input the caller must fix: exit 2, nothing done. In the library, not in the
// command-line parser (ops/lib/cli-args.ts, which re-exports them), because the jobs read the same lists.

/** Input the caller must fix (a command line, a job's environment): exit 2, nothing done. */
export class UsageError extends Error {}

/** A server's client address. */
export interface Address {
  host: string;
  port: number;
}

export function formatAddress(a: Address): string {
  return `${a.host}:${a.port}`;
}

/** Parses `--servers host:port[,host:port...]`; throws UsageError naming the bad entry. */
export function parseServers(list: string): Address[] {
  const entries = list.split(",").map((e) => e.trim());
  const example = "e.g. --servers 127.0.0.1:2181,127.0.0.2:2181";
  if (entries.some((e) => e === "")) throw new UsageError(`--servers '${list}' has an empty entry (${example})`);
  const servers = entries.map((entry) => {
    // node-zookeeper-client splits an address at its first colon: an IPv6 literal cannot be reached.
    if (entry.startsWith("["))
      throw new UsageError(`--servers: '${entry}': IPv6 addresses are not supported, give a host name (${example})`);
    const m = /^([^\s:/]+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) {
      throw new UsageError(`--servers: '${entry}' is not host:port with a port from 1 to 65535 (${example})`);
    }
    return { host: m[1], port };
  });
  const seen = new Set<string>();
  for (const s of servers) {
    const key = formatAddress(s);
    if (seen.has(key)) throw new UsageError(`--servers lists ${key} twice: name each server of the ensemble once`);
    seen.add(key);
  }
  return servers;
}
