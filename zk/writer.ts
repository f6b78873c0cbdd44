// A continuous writer with acknowledged-write accounting: while a drill disrupts the ensemble, it
// creates numbered znodes at a bounded rate and records which creates the ensemble acknowledged.
// Afterwards every acknowledged one is read back (through each server, if asked) and any missing
// one is reported lost. A ZooKeeper acknowledgement means the write is committed on a quorum, so a
// lost acknowledged write is a durability bug; a write without an answer (time-out, dropped
// connection, session expired while it was pending) has an unknown outcome and may still be
// applied later (field notes: "a timeout means outcome unknown, not failed"), so it is counted
// apart and never called lost. The e2e drills and the loopback tests run this same code.
import { OPEN_ACL, ZkClient, ZkError, ZkTimeout } from "./zk-client";

export interface WriterOptions {
  /** host:port[,host:port...]: the e2e suite's host endpoint, or loopback servers in tests. */
  connectionString: string;
  /** Parent znode of the writes (created when missing): one per drill, so drills do not mix. */
  root: string;
  /** Upper bound on writes per second. Default 20. */
  ratePerSecond?: number;
  /** Bound on one write's answer; past it the outcome is unknown. Default 3 s. */
  writeTimeoutMs?: number;
  /** Bound on establishing a session. Default 5 s. */
  connectTimeoutMs?: number;
  /** Session timeout asked for; the servers clamp it to [2, 20] x tickTime. Default 10 s. */
  sessionTimeoutMs?: number;
  /** SASL DIGEST-MD5 credentials, for servers that require SASL (ZkClient's `sasl`). */
  sasl?: { username: string; password: string };
}

export interface WriterReport {
  root: string;
  durationMs: number;
  attempted: number;
  acknowledged: number;
  /** Writes whose outcome is unknown, by cause; none of them is counted lost. */
  unknown: { timeouts: number; connectionLosses: number; sessionExpiries: number };
  /** Writes the ensemble answered with an error: not applied. */
  refused: number;
  /** Sessions opened: more than one means a session expired (or could not be resumed) and a new one was opened. */
  sessions: number;
  /** Attempts to open a session that failed within connectTimeoutMs. */
  failedConnects: number;
  /** Longest time without an acknowledgement, from the first one on (a silence at the end counts until stop). */
  longestGapMs: number;
  /** When that gap began, in ms after the writer started. */
  longestGapStartMs: number;
}

export interface ReadBack {
  /** The connection string read through. */
  through: string;
  acknowledged: number;
  /** Sequence numbers of acknowledged writes that are missing or hold other data. */
  lost: number[];
  /** Writes of unknown outcome that were in fact applied. */
  unknownApplied: number;
}

type Settings = Required<Omit<WriterOptions, "sasl">> & Pick<WriterOptions, "sasl">;

function withDefaults(options: WriterOptions): Settings {
  return { ratePerSecond: 20, writeTimeoutMs: 3000, connectTimeoutMs: 5000, sessionTimeoutMs: 10000, ...options };
}

/** A session as the writer uses it: each request bounded by the write time-out. */
function openSession(o: Settings): Promise<ZkClient> {
  return ZkClient.open(o.connectionString, {
    connectMs: o.connectTimeoutMs,
    requestMs: o.writeTimeoutMs,
    sessionTimeoutMs: o.sessionTimeoutMs,
    sasl: o.sasl,
  });
}

/** The znode name of write `seq`: fixed width, so the names sort as the writes were made. */
export const writeName = (seq: number) => `w-${String(seq).padStart(10, "0")}`;

/** Creates `path` and its missing parents (mkdirp through the bounded client). */
async function ensurePath(client: ZkClient, path: string): Promise<void> {
  let prefix = "";
  for (const part of path.split("/").filter(Boolean)) {
    prefix += `/${part}`;
    try {
      await client.createNode(prefix, null, OPEN_ACL);
    } catch (e) {
      if (!(e instanceof ZkError && e.code === "NODE_EXISTS")) throw e;
    }
  }
}

/** Whether the znode at `path` holds `expected`; a znode that is gone does not. */
async function holds(client: ZkClient, path: string, expected: string): Promise<boolean> {
  try {
    return (await client.read(path)).data?.toString() === expected;
  } catch (e) {
    if (e instanceof ZkError && e.code === "NO_NODE") return false;
    throw e;
  }
}

export class ContinuousWriter {
  private readonly options: Settings;
  private readonly startedAt = Date.now();
  private readonly acked = new Set<number>();
  private readonly unknownSeqs = new Set<number>();
  private readonly counts = { attempted: 0, refused: 0, sessions: 0, failedConnects: 0 };
  private readonly unknown = { timeouts: 0, connectionLosses: 0, sessionExpiries: 0 };
  private lastAckAt?: number;
  private gap = { ms: 0, startMs: 0 };
  private client?: ZkClient;
  /** When the current session last answered (or was opened). */
  private lastAnswerAt = 0;
  private nextSeq = 0;
  private stopping = false;
  /** Ends the wait for the next write's turn early (on stop). */
  private wake = () => {};
  private readonly loop: Promise<void>;

  private constructor(options: Settings) {
    this.options = options;
    this.loop = this.run();
  }

  /**
   * Opens the first session and creates the root, then writes in the background until stop().
   * Rejects when no session can be opened within connectTimeoutMs: a drill must not start blind.
   */
  static async start(options: WriterOptions): Promise<ContinuousWriter> {
    const o = withDefaults(options);
    const client = await openSession(o);
    try {
      await ensurePath(client, o.root);
    } finally {
      client.close();
    }
    return new ContinuousWriter(o);
  }

  /** Acknowledged writes so far: lets a drill check that writing goes on. */
  get acknowledged(): number {
    return this.acked.size;
  }

  /** Stops writing (waiting, bounded, for the write in flight) and reports. */
  async stop(): Promise<WriterReport> {
    this.stopping = true;
    this.wake();
    await this.loop;
    this.dropSession();
    const now = Date.now();
    this.noteGap(now);
    return {
      root: this.options.root,
      durationMs: now - this.startedAt,
      attempted: this.counts.attempted,
      acknowledged: this.acked.size,
      unknown: { ...this.unknown },
      refused: this.counts.refused,
      sessions: this.counts.sessions,
      failedConnects: this.counts.failedConnects,
      longestGapMs: this.lastAckAt === undefined ? now - this.startedAt : this.gap.ms,
      longestGapStartMs: this.gap.startMs,
    };
  }

  /**
   * Reads every acknowledged write back through `connectionString` (default: the writer's own).
   * A sync first makes the server answering catch up with the leader, so a read through one
   * follower sees every write acknowledged before; each read is bounded by `requestMs`.
   */
  async readBack(connectionString = this.options.connectionString, requestMs = 10000): Promise<ReadBack> {
    const root = this.options.root;
    const client = await ZkClient.open(connectionString, {
      connectMs: requestMs,
      requestMs,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      sasl: this.options.sasl,
    });
    try {
      await client.sync(root);
      const present = new Set((await client.children(root)).children);
      const acked = [...this.acked].sort((a, b) => a - b);
      // Presence from the listing, then the content of each present one, a few reads at a time.
      const lost = acked.filter((seq) => !present.has(writeName(seq)));
      const listed = acked.filter((seq) => present.has(writeName(seq)));
      for (let i = 0; i < listed.length; i += 16) {
        await Promise.all(
          listed.slice(i, i + 16).map(async (seq) => {
            if (!(await holds(client, `${root}/${writeName(seq)}`, String(seq)))) lost.push(seq);
          }),
        );
      }
      const unknownApplied = [...this.unknownSeqs].filter((seq) => present.has(writeName(seq))).length;
      return { through: connectionString, acknowledged: acked.length, lost: lost.sort((a, b) => a - b), unknownApplied };
    } finally {
      client.close();
    }
  }

  private async run(): Promise<void> {
    const interval = 1000 / this.options.ratePerSecond;
    let due = Date.now();
    while (!this.stopping) {
      const wait = due - Date.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      if (this.stopping) break;
      // A slow write delays the next one rather than causing a burst to catch up.
      due = Math.max(due + interval, Date.now());
      const client = await this.session();
      if (client) await this.write(client);
    }
  }

  /**
   * The current session, or a new one; undefined when none could be opened this time. A session
   * without an answer for longer than its timeout is presumed expired and replaced, as Curator
   * does: node-zookeeper-client learns of an expiry only when it reaches a server again, and then
   * fails every later call as a connection loss.
   */
  private async session(): Promise<ZkClient | undefined> {
    if (this.client && Date.now() - this.lastAnswerAt > this.options.sessionTimeoutMs) this.dropSession();
    if (this.client) return this.client;
    try {
      this.client = await openSession(this.options);
      this.lastAnswerAt = Date.now();
      this.counts.sessions++;
      return this.client;
    } catch {
      this.counts.failedConnects++;
      return undefined;
    }
  }

  private async write(client: ZkClient): Promise<void> {
    const seq = this.nextSeq++;
    this.counts.attempted++;
    try {
      await client.createNode(`${this.options.root}/${writeName(seq)}`, Buffer.from(String(seq)), OPEN_ACL);
      this.acked.add(seq);
      const now = Date.now();
      this.lastAnswerAt = now;
      this.noteGap(now);
      this.lastAckAt = now;
    } catch (e) {
      if (e instanceof ZkTimeout) this.unknownOutcome(seq, "timeouts");
      else if (e instanceof ZkError && e.code === "CONNECTION_LOSS") {
        this.unknownOutcome(seq, "connectionLosses");
        // A SASL session does not reconnect (ZkClient's `sasl`): the next write opens a new one.
        if (client.stoppedWith) this.dropSession();
      } else if (e instanceof ZkError && e.code === "SESSION_EXPIRED") {
        // Every later call on this session fails the same way: the next write opens a new one.
        this.unknownOutcome(seq, "sessionExpiries");
        this.dropSession();
      } else {
        this.counts.refused++;
        this.lastAnswerAt = Date.now();
      }
    }
  }

  private dropSession(): void {
    this.client?.close();
    this.client = undefined;
  }

  private unknownOutcome(seq: number, cause: keyof WriterReport["unknown"]): void {
    this.unknown[cause]++;
    this.unknownSeqs.add(seq);
  }

  private noteGap(now: number): void {
    if (this.lastAckAt === undefined) return;
    const ms = now - this.lastAckAt;
    if (ms > this.gap.ms) this.gap = { ms, startMs: this.lastAckAt - this.startedAt };
  }
}

/** One line per writer for a drill's log: what was written, what is unknown, what was lost. */
export function describeWrites(report: WriterReport, readBacks: ReadBack[]): string {
  const u = report.unknown;
  const lost = readBacks.filter((r) => r.lost.length);
  return (
    `${report.acknowledged} of ${report.attempted} writes acknowledged in ${(report.durationMs / 1000).toFixed(1)} s; ` +
    `outcome unknown ${u.timeouts + u.connectionLosses + u.sessionExpiries} (time-outs ${u.timeouts}, connection losses ${u.connectionLosses}, ` +
    `sessions expired ${u.sessionExpiries}); refused ${report.refused}; sessions ${report.sessions}; ` +
    `longest gap ${(report.longestGapMs / 1000).toFixed(2)} s at +${(report.longestGapStartMs / 1000).toFixed(1)} s; ` +
    (lost.length
      ? `LOST: ${lost.map((r) => `${r.lost.length} through ${r.through} (first ${r.lost.slice(0, 5).join(", ")})`).join("; ")}`
      : `none lost (read back through ${readBacks.map((r) => r.through).join(", ")})`)
  );
}
