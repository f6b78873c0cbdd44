// The command line of `npm run verify`: exactly one of --stack and --servers.
import { CouldNotCheck } from "./types";

export interface Address {
  host: string;
  port: number;
}

export type Target = { kind: "stack"; stack: string } | { kind: "servers"; servers: Address[] } | { kind: "help" };

export const USAGE = [
  "usage: npm run verify -- --stack <name>                 check a deployed stack (pods, volumes, PDB, ZooKeeper)",
  "       npm run verify -- --servers host:port[,host:port]  the ZooKeeper checks alone, against any ensemble",
  "exit codes: 0 healthy, 3 degraded, 1 unhealthy, 2 could not check",
].join("\n");

const HELP = "npm run verify -- --help";

export function formatAddress(a: Address): string {
  return `${a.host}:${a.port}`;
}

/** Parses `host:port,host:port`. Throws CouldNotCheck naming the bad entry. */
export function parseServers(list: string): Address[] {
  const entries = list.split(",").map((e) => e.trim());
  const example = "e.g. --servers 127.0.0.1:2181,127.0.0.2:2181";
  if (entries.some((e) => e === "")) throw new CouldNotCheck(`--servers '${list}' has an empty entry (${example})`);
  const servers = entries.map((entry) => {
    // node-zookeeper-client splits an address at its first colon: an IPv6 literal cannot be reached.
    if (entry.startsWith("["))
      throw new CouldNotCheck(`--servers: '${entry}': IPv6 addresses are not supported, give a host name (${example})`);
    const m = /^([^\s:/]+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) {
      throw new CouldNotCheck(`--servers: '${entry}' is not host:port with a port from 1 to 65535 (${example})`);
    }
    return { host: m[1], port };
  });
  const seen = new Set<string>();
  for (const s of servers) {
    const key = formatAddress(s);
    if (seen.has(key)) throw new CouldNotCheck(`--servers lists ${key} twice: name each server of the ensemble once`);
    seen.add(key);
  }
  return servers;
}

export function parseArgs(argv: string[]): Target {
  let stack: string | undefined;
  let servers: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "" || (inline === undefined && v.startsWith("--")))
        throw new CouldNotCheck(`${flag} needs a value (${HELP})`);
      return v;
    };
    if (flag === "--help" || flag === "-h") return { kind: "help" };
    else if (flag === "--stack") stack = value();
    else if (flag === "--servers") servers = value();
    else throw new CouldNotCheck(`unknown argument '${arg}' (${HELP})`);
  }
  if (stack !== undefined && servers !== undefined) throw new CouldNotCheck(`give either --stack or --servers, not both (${HELP})`);
  if (stack !== undefined) return { kind: "stack", stack };
  if (servers !== undefined) return { kind: "servers", servers: parseServers(servers) };
  throw new CouldNotCheck(`say what to check: --stack <name> or --servers host:port,... (${HELP})`);
}
