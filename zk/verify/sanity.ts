// The tutorial's sanity test, done right: a unique znode written through one server, read through
// every other one with the time each took to see it, then deleted. Each server is reached on its
// own (never through the client Service, which picks one at random).
import * as crypto from "crypto";
import { OPEN_ACL, SessionOptions, ZkClient } from "../zk-client";
import { Endpoint, connectionString } from "./endpoint";
import { Bounds } from "./bounds";

export interface ReadOutcome {
  endpoint: Endpoint;
  /** Milliseconds from the write's acknowledgement to this server returning the data. */
  seenAfterMs?: number;
  error?: string;
}

export interface SanityOutcome {
  writer: Endpoint;
  path: string;
  /** The write's round trip; undefined when it failed. */
  writeMs?: number;
  writeError?: string;
  reads: ReadOutcome[];
  deleteError?: string;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls one server until it has the node, bounded by `ms` (plus one request's bound). */
async function waitVisible(client: ZkClient, path: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if ((await client.stat(path)) !== null) return;
    if (Date.now() >= deadline) throw new Error(`did not see ${path} within ${ms} ms of the write`);
    await sleep(5);
  }
}

/** How the sanity test's sessions authenticate: SASL as a stack's admin user (ops/lib/stack.ts stackSasl), or not at all. */
export type SessionAuth = Pick<SessionOptions, "sasl">;

export async function sanityTest(writer: Endpoint, readers: Endpoint[], bounds: Bounds, auth: SessionAuth = {}): Promise<SanityOutcome> {
  // Ephemeral: should verify die midway, the node goes with its session instead of staying behind.
  const path = `/zk-verify-${crypto.randomBytes(6).toString("hex")}`;
  const outcome: SanityOutcome = { writer, path, reads: [] };
  const clients: ZkClient[] = [];
  const session: SessionOptions = { connectMs: bounds.connectMs, requestMs: bounds.requestMs, ...(auth.sasl ? { sasl: auth.sasl } : {}) };
  try {
    // Sessions first, so that each read's time measures how fast the write reached the server, not a handshake.
    const sessions = await Promise.all(
      readers.map((endpoint) =>
        ZkClient.open(connectionString(endpoint), session).then(
          (client) => (clients.push(client), { endpoint, client }),
          (e) => ({ endpoint, error: `no session: ${message(e)}` }),
        ),
      ),
    );
    let writerClient: ZkClient;
    try {
      writerClient = await ZkClient.open(connectionString(writer), session);
      clients.push(writerClient);
    } catch (e) {
      outcome.writeError = `no session through ${writer.label}: ${message(e)}`;
      return outcome;
    }
    const started = Date.now();
    try {
      await writerClient.createNode(
        path,
        Buffer.from(`written by npm run verify at ${new Date(started).toISOString()}`),
        OPEN_ACL,
        "ephemeral",
      );
    } catch (e) {
      // A timeout means "outcome unknown", not "not applied" (FIELD-NOTES): the node is ephemeral either way.
      outcome.writeError = message(e);
      return outcome;
    }
    const acknowledged = Date.now();
    outcome.writeMs = acknowledged - started;
    outcome.reads = await Promise.all(
      sessions.map(async (s): Promise<ReadOutcome> => {
        if (!("client" in s)) return { endpoint: s.endpoint, error: s.error };
        try {
          await waitVisible(s.client, path, bounds.visibleMs);
          return { endpoint: s.endpoint, seenAfterMs: Date.now() - acknowledged };
        } catch (e) {
          return { endpoint: s.endpoint, error: message(e) };
        }
      }),
    );
    try {
      await writerClient.remove(path);
    } catch (e) {
      outcome.deleteError = message(e);
    }
    return outcome;
  } finally {
    for (const c of clients) c.close();
  }
}
