// Where the commands connect, and how: `--servers`, or `--stack` (the servers of a deployed stack,
// reached through its cluster by the port-forward tunnels of ops/lib/stack-endpoint.ts). Both
// resolve to an Endpoint; a stack's also carries its sessions' credentials, why its tunnels failed,
// and a way to close them when the command ends. Nothing after this module needs to know which it was.
import { Address, formatAddress, parseServers, UsageError } from "../address";
import { whyNoneReachable } from "../reach";
import { Credential, SessionOptions, ZkClient, ZkTimeout } from "../zk-client";

export interface Endpoint {
  /** host:port[,host:port...] */
  connectionString: string;
  /** For messages and the file headers. */
  description: string;
  /** SASL credentials of every session (a stack's admin user, when its client authentication is on). */
  sasl?: SessionOptions["sasl"];
  /** What to check when no server gives a session, in place of the --servers advice (a stack's tunnels' errors). */
  unreachable?: () => string;
  /** Releases what reaching the servers holds (a stack's tunnels); idempotent. */
  close?: () => Promise<void>;
  /**
   * The servers' own addresses, when this machine connects to them directly (--servers): a plain
   * connection to each is tried before a session, so that a wrong address fails at once and says
   * why. Not a stack's: a connection to a tunnel would open a port-forward for nothing.
   */
  addresses?: Address[];
}

/** The endpoint is unusable (bad --servers, nothing answering there): exit 2. */
export class ConnectError extends Error {}

/** Parses --servers; returns the endpoint or what is wrong with the value. */
export function endpointFromServers(servers: string): Endpoint | string {
  let addresses: Address[];
  try {
    addresses = parseServers(servers);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  const connectionString = addresses.map(formatAddress).join(",");
  return { connectionString, description: connectionString, addresses };
}

export interface ConnectOptions {
  auth: Credential[];
  connectMs: number;
  requestMs: number;
}

/**
 * A ConnectError when none of the endpoint's own addresses takes a connection (refused, a name
 * that does not resolve, nothing within connectMs), naming each and why; at once for the first two.
 */
export async function checkReachable(endpoint: Endpoint, connectMs: number): Promise<void> {
  if (!endpoint.addresses) return;
  const failures = await whyNoneReachable(endpoint.addresses, connectMs);
  if (failures === undefined) return;
  const why = failures.length === 1 ? failures[0].why : failures.map((f) => `${formatAddress(f.address)} ${f.why}`).join(", ");
  throw new ConnectError(`cannot connect to ${endpoint.description}: ${why}; check --servers and that the servers run`);
}

const SERVERS_ADVICE = "check --servers, that the servers run and are reachable, and that they have a quorum";

/**
 * A session with the bounds of the command. No address taking a connection (checkReachable), or
 * no server giving a session within connectMs, is a ConnectError.
 */
export async function openSession(endpoint: Endpoint, options: ConnectOptions): Promise<ZkClient> {
  await checkReachable(endpoint, options.connectMs);
  const session: SessionOptions = {
    auth: options.auth,
    ...(endpoint.sasl ? { sasl: endpoint.sasl } : {}),
    connectMs: options.connectMs,
    requestMs: options.requestMs,
    // Short enough that a session left behind by a killed command ends soon; the server clamps it
    // to its own minSessionTimeout..maxSessionTimeout (4 s..40 s in this project's zoo.cfg).
    sessionTimeoutMs: 10000,
  };
  try {
    return await ZkClient.open(endpoint.connectionString, session);
  } catch (e) {
    if (e instanceof ZkTimeout) {
      throw new ConnectError(
        `cannot connect to ${endpoint.description}: no server there gave a session within ${options.connectMs / 1000} s ` +
          `(${endpoint.unreachable?.() ?? SERVERS_ADVICE})`,
      );
    }
    throw e;
  }
}
