// The command line of `npm run verify` (ops/lib/commands.ts VERIFY): exactly one of --stack and --servers.
import { Address, parseCommandLine, parseServers } from "../cli-args";
import { VERIFY } from "../commands";

// verify's checks (servers-mode.ts) take the address type from here.
export type { Address } from "../cli-args";
export { formatAddress } from "../cli-args";

export type Target = { kind: "stack"; stack: string } | { kind: "servers"; servers: Address[] } | { kind: "help" };

/** Throws UsageError (exit 2, with the usage line) for a command line verify does not take. */
export function parseArgs(argv: string[]): Target {
  const line = parseCommandLine(VERIFY, argv);
  if (line.help) return { kind: "help" };
  const stack = line.value("stack");
  if (stack !== undefined) return { kind: "stack", stack };
  return { kind: "servers", servers: parseServers(line.value("servers")!) };
}
