// A small promise wrapper over node-zookeeper-client (a real ZooKeeper wire-protocol client) in
// which every call has a bound: a request to a server without a quorum would otherwise wait forever.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const zookeeper = require("node-zookeeper-client");
import { DigestMd5Client } from "./sasl-digest";
import { EnsembleConfig, parseEnsembleConfig } from "./zk-config";
import { dialServer, TlsDial } from "./tls-dial";

export class ZkTimeout extends Error {}

function bounded<T>(ms: number, what: string, start: (done: (err: unknown, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ZkTimeout(`${what}: no answer within ${ms} ms`)), ms);
    start((err, value) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(value as T);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The full node API, for the backup and restore commands (zk/backup): typed stats and ACLs,
// binary data, create modes (containers included), multi, sync and authentication.

// eslint-disable-next-line @typescript-eslint/no-require-imports
const jute = require("node-zookeeper-client/lib/jute");

/** A znode's stat with the 64-bit fields as bigints (the library hands them over as 8-byte buffers). */
export interface ZnodeStat {
  czxid: bigint;
  mzxid: bigint;
  pzxid: bigint;
  ctime: number;
  mtime: number;
  version: number;
  /** As the server reports it: creates plus deletes of children (zk/backup/sequence.ts). */
  cversion: number;
  aversion: number;
  /** The owning session of an ephemeral node, else 0; 3.8 servers report 0 for containers and TTL nodes too. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
}

export interface AclEntry {
  /** Bit set: read 1, write 2, create 4, delete 8, admin 16. */
  perms: number;
  scheme: string;
  id: string;
}

/** An authentication as addAuthInfo takes it, e.g. scheme "digest", auth "user:password". */
/** world:anyone with every permission: ZooKeeper's OPEN_ACL_UNSAFE, zkCli.sh's default for create. */
export const OPEN_ACL: AclEntry[] = [{ perms: 31, scheme: "world", id: "anyone" }];

export interface Credential {
  scheme: string;
  auth: string;
}

export interface SessionOptions {
  /** Bound on establishing the session. Default 10 s. */
  connectMs?: number;
  /** Session timeout asked for (the server clamps it to its min/max). Default 10 s. */
  sessionTimeoutMs?: number;
  /** Bound on every request of the session. Default 10 s. */
  requestMs?: number;
  auth?: Credential[];
  /**
   * SASL DIGEST-MD5 credentials, for servers that require SASL (enforce.auth). A connection is
   * authenticated once: if it drops, the client stops (calls fail with CONNECTION_LOSS) rather than
   * send unauthenticated requests, which such a server answers by closing the session.
   */
  sasl?: { username: string; password: string };
  /**
   * TLS to the servers' secure client port (the connection string names it): trusts only `tls.ca`,
   * verifies each server's certificate against the host the connection string names (tls-dial.ts).
   */
  tls?: TlsDial;
  /**
   * Where a host of the connection string is dialled instead of through DNS (the tests map pod names
   * to loopback addresses); with TLS the certificate is still verified against the host's name.
   */
  resolve?: (host: string) => string;
}

export type NodeMode = "persistent" | "persistent-sequential" | "ephemeral" | "ephemeral-sequential" | "container";

export type MultiOp = { op: "create"; path: string; data: Buffer | null; acl: AclEntry[] } | { op: "remove"; path: string };

/** A ZooKeeper error answer; `code` is the library's name for it: NO_NODE, NODE_EXISTS, NO_AUTH, CONNECTION_LOSS, ... */
export class ZkError extends Error {
  constructor(
    readonly code: string,
    readonly op: string,
    readonly path: string,
  ) {
    super(`${op} ${path}: ${code}`);
  }
}

const MODE_FLAGS: Record<NodeMode, number> = {
  persistent: 0,
  ephemeral: 1,
  "persistent-sequential": 2,
  "ephemeral-sequential": 3,
  container: 4,
};

// Opcodes node-zookeeper-client 1.1.3 does not know (ZooDefs.OpCode); see sendAs.
const OP_SYNC = 9;
const OP_RECONFIG = 16;
const OP_CREATE_CONTAINER = 19;
const OP_SASL = 102;

/** ZooDefs.CONFIG_NODE: the committed dynamic configuration, readable by all, writable by the super user only. */
export const CONFIG_NODE = "/zookeeper/config";

/** A membership change, as ZooKeeperAdmin.reconfigure takes it (apache/zookeeper release-3.8.0-1, admin/ZooKeeperAdmin.java). */
export interface ReconfigChange {
  /** Incremental: members to add or update, each `server.<id>=<spec>` (zk-config.ts memberLine). */
  joining?: string[];
  /** Incremental: ids of members to remove. */
  leaving?: number[];
  /** Non-incremental: the whole new membership (not combined with joining or leaving). */
  newMembers?: string[];
  /** Apply only if the leader's last seen configuration has this id, else BAD_VERSION. Default: any. */
  fromConfig?: bigint;
}

/** A configuration as the server answered it: parsed (zk-config.ts), the text, and the znode's stat. */
export type ConfigAnswer = EnsembleConfig & { text: string; stat: ZnodeStat };

function int64(buffer: Buffer): bigint {
  return buffer.readBigInt64BE(0);
}

function toStat(s: any): ZnodeStat {
  return {
    czxid: int64(s.czxid),
    mzxid: int64(s.mzxid),
    pzxid: int64(s.pzxid),
    ctime: Number(int64(s.ctime)),
    mtime: Number(int64(s.mtime)),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: int64(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

/** The library's ACL class refuses permission 0, which the server accepts; its requests only call toRecord(). */
function toAclRecords(acl: AclEntry[]): { toRecord(): unknown }[] {
  return acl.map((a) => ({ toRecord: () => new jute.data.ACL(a.perms, new jute.data.Id(a.scheme, a.id)) }));
}

function fromAcl(a: any): AclEntry {
  return { perms: a.permission, scheme: a.id.scheme, id: a.id.id };
}

/** A payload of one length-prefixed byte string (SyncRequest's path, GetSASLRequest's token), for which the library has no record class. */
function bytesPayload(bytes: Buffer) {
  return {
    setChrootPath() {},
    byteLength: () => 4 + bytes.length,
    serialize(buffer: Buffer, offset: number) {
      buffer.writeInt32BE(bytes.length, offset);
      bytes.copy(buffer, offset + 4);
      return 4 + bytes.length;
    },
  };
}

/**
 * A payload of a jute record made of ustring and long fields (ReconfigRequest), serialized as the
 * library's own records are (lib/jute/index.js serialize): a string as its UTF-8 length and bytes,
 * null as length -1 (Java's BinaryOutputArchive.writeString(null)), a long as 8 bytes big-endian.
 */
function recordPayload(fields: (string | null | bigint)[]) {
  const parts = fields.map((f) => {
    if (typeof f === "bigint") {
      const b = Buffer.alloc(8);
      b.writeBigInt64BE(f);
      return b;
    }
    const bytes = f === null ? null : Buffer.from(f, "utf8");
    const b = Buffer.alloc(4 + (bytes?.length ?? 0));
    b.writeInt32BE(bytes ? bytes.length : -1, 0);
    bytes?.copy(b, 4);
    return b;
  });
  const bytes = Buffer.concat(parts);
  return {
    setChrootPath() {},
    byteLength: () => bytes.length,
    serialize(buffer: Buffer, offset: number) {
      bytes.copy(buffer, offset);
      return bytes.length;
    },
  };
}

/**
 * node-zookeeper-client 1.1.3 throws from its socket 'data' handler when a reply carries an error
 * code it does not know (a newer server's, or a frame it misread): an uncaught exception that ends
 * the process (seen here in the ensemble benchmark, "Unknown code: 1169686528"). Here a code that
 * ZooKeeper defines (SERVER_CODES_UNKNOWN_TO_LIBRARY: a reconfig's refusals among them) fails that
 * request with the code's name; any other drops the connection instead, which the library turns
 * into a connection loss for the requests in flight and a reconnect. The handler is an instance
 * method bound when each socket is made (lib/ConnectionManager.js), so patching the instance before
 * connect() covers every socket.
 */
function guardSocketHandler(client: any, onUnknownCode: (code: number) => void): void {
  const manager = client.connectionManager;
  const original = manager.onSocketData;
  // The request a reply was matched to: the library takes it off its pending queue (a plain array,
  // made once per client) just before it reads the reply's error code.
  const pending: any[] = manager.pendingQueue;
  const shift = pending.shift;
  let answered: any;
  pending.shift = function (this: any[]) {
    answered = shift.call(this);
    return answered;
  };
  manager.onSocketData = function (this: any, buffer: Buffer) {
    answered = undefined;
    try {
      original.call(this, buffer);
    } catch (e) {
      const code = Number(/^Unknown code: (-?\d+)$/.exec((e as Error).message)?.[1]);
      const name = SERVER_CODES_UNKNOWN_TO_LIBRARY[code];
      if (name && answered?.callback) {
        // A real server's error the library has no name for (a reconfig's refusals among them):
        // the reply's frame was cut out whole before it was read, and an error reply's body is not
        // read, so the stream is intact. The request fails with the server's code, the connection
        // stays, and whatever followed in the buffer is read on.
        const request = answered;
        answered = undefined;
        request.callback({ getCode: () => code, name });
        if (this.pendingBuffer) this.onSocketData(Buffer.alloc(0));
        return;
      }
      this.pendingBuffer = null;
      this.socket?.destroy();
      if (!Number.isNaN(code)) onUnknownCode(code);
    }
  };
}

/**
 * Error codes of ZooKeeper servers (KeeperException.Code, apache/zookeeper release-3.9.5) that
 * node-zookeeper-client 1.1.3 does not know, by the names this client reports. The reconfig
 * operation's own refusals are among them. SESSIONCLOSEDREQUIRESASLAUTH (-124) is not: it ends the
 * session (see ZkClient.open).
 */
const SERVER_CODES_UNKNOWN_TO_LIBRARY: Record<number, string> = {
  [-12]: "UNKNOWN_SESSION",
  [-13]: "NEW_CONFIG_NO_QUORUM",
  [-14]: "RECONFIG_IN_PROGRESS",
  [-118]: "SESSION_MOVED",
  [-119]: "NOT_READ_ONLY",
  [-120]: "EPHEMERAL_ON_LOCAL_SESSION",
  [-121]: "NO_WATCHER",
  [-122]: "REQUEST_TIMEOUT",
  [-123]: "RECONFIG_DISABLED",
  [-125]: "QUOTA_EXCEEDED",
  [-127]: "THROTTLED_OP",
};

/** ConnectionManager's CONNECTING state (node-zookeeper-client 1.1.3, lib/ConnectionManager.js STATES). */
const STATE_CONNECTING = 1;

/**
 * Makes the library dial through dialServer: TLS, or another address than the host's. Its
 * ConnectionManager.connect (lib/ConnectionManager.js, 1.1.3) opens `net.connect(server)` and sends
 * the session's ConnectRequest on `connect`; this copy of it opens the socket dialServer gives and
 * sends on `secureConnect` with TLS, so nothing is written before the server's certificate passed.
 * The connect bound covers the handshake; a refused certificate is a socket error, after which the
 * library tries the next server as for any other. Patched on the instance before connect().
 */
function dialThrough(
  client: any,
  options: { tls?: TlsDial; resolve?: (host: string) => string },
  onError: (host: string, e: Error) => void,
): void {
  const manager = client.connectionManager;
  manager.connect = function (this: any) {
    this.setState(STATE_CONNECTING);
    this.findNextServer((server: { host: string; port: number }) => {
      const host = options.resolve?.(server.host) ?? server.host;
      const { socket, ready } = dialServer(host, server.port, { tls: options.tls, servername: server.host });
      this.socket = socket;
      this.connectTimeoutHandler = setTimeout(this.onSocketConnectTimeout.bind(this), this.connectTimeout);
      socket.setNoDelay();
      socket.on(ready, this.onSocketConnected.bind(this));
      socket.on("data", this.onSocketData.bind(this));
      socket.on("drain", this.onSocketDrain.bind(this));
      socket.on("close", this.onSocketClosed.bind(this));
      socket.on("error", (e: Error) => onError(server.host, e));
      socket.on("error", this.onSocketError.bind(this));
    });
  };
}

/**
 * SESSIONCLOSEDREQUIRESASLAUTH (KeeperException.Code, apache/zookeeper release-3.9.5; node-zookeeper-client
 * 1.1.3 does not know it): the server requires SASL (enforce.auth) and closed the session, after a
 * request without it or a failed SASL exchange.
 */
const SESSION_CLOSED_REQUIRE_SASL_AUTH = -124;

export class ZkClient {
  private readonly client: any;
  private constructor(client: any) {
    this.client = client;
  }

  /** Connects to `host:port[,host:port...]`; rejects when no session is established within `ms`. */
  static connect(connectionString: string, ms = 10000): Promise<ZkClient> {
    return ZkClient.open(connectionString, { connectMs: ms });
  }

  create(path: string, data: string, ms = 5000): Promise<string> {
    return bounded(ms, `create ${path}`, (done) => this.client.create(path, Buffer.from(data), done));
  }

  async get(path: string, ms = 5000): Promise<string> {
    const data = await bounded<Buffer>(ms, `get ${path}`, (done) => this.client.getData(path, done));
    return data.toString();
  }

  /** Connects with authentication and bounds of the caller's choosing (SessionOptions). */
  static async open(connectionString: string, options: SessionOptions = {}): Promise<ZkClient> {
    const client = zookeeper.createClient(connectionString, {
      sessionTimeout: options.sessionTimeoutMs ?? 10000,
      spinDelay: 200,
      retries: 0,
    });
    let zk: ZkClient | undefined;
    // With TLS, why the last connection failed (a certificate refused): the library only retries.
    let dialError: string | undefined;
    if (options.tls || options.resolve) dialThrough(client, options, (host, e) => (dialError = `${host}: ${e.message}`));
    guardSocketHandler(client, (code) => {
      if (code !== SESSION_CLOSED_REQUIRE_SASL_AUTH || !zk) return;
      // The server closed the session: nothing more will be answered, so every call fails now.
      zk.stop("SASL_AUTH_REQUIRED");
    });
    const connectMs = options.connectMs ?? 10000;
    try {
      await bounded<void>(connectMs, `connect to ${connectionString}`, (done) => {
        client.once("connected", () => done(null));
        client.connect();
      });
    } catch (e) {
      client.close();
      throw e instanceof ZkTimeout && dialError !== undefined ? new ZkTimeout(`${e.message} (last connection error: ${dialError})`) : e;
    }
    // Sent in order on the session before any request (and again by the library on reconnect).
    for (const c of options.auth ?? []) client.addAuthInfo(c.scheme, Buffer.from(c.auth));
    zk = new ZkClient(client);
    zk.requestMs = options.requestMs ?? 10000;
    if (options.sasl) {
      try {
        await zk.saslAuthenticate(options.sasl);
      } catch (e) {
        client.close();
        throw e instanceof ZkError && e.code === "SASL_AUTH_REQUIRED" ? new ZkError("AUTH_FAILED", "sasl", options.sasl.username) : e;
      }
      // The library would reconnect and resend the queue unauthenticated.
      const authenticated = zk;
      client.once("disconnected", () => authenticated.stop("CONNECTION_LOSS"));
    }
    return zk;
  }

  /** Set once the client has stopped for good: every call then fails with this code. */
  private stopped?: string;
  private readonly inFlight = new Set<(code: string) => void>();

  private stop(code: string): void {
    this.stopped ??= code;
    for (const fail of this.inFlight) fail(this.stopped);
    this.inFlight.clear();
    this.client.close();
  }

  /** SASL DIGEST-MD5 on this connection: the server's challenge, the response, the server's proof. */
  private async saslAuthenticate(credentials: { username: string; password: string }): Promise<void> {
    const digest = new DigestMd5Client(credentials.username, credentials.password);
    // SetSASLResponse is one byte string, as a create's reply (a path) is: relabelled as a create.
    const exchange = (token: string) =>
      this.call(
        "sasl",
        credentials.username,
        (done) => this.sendAs(OP_SASL, bytesPayload(Buffer.from(token)), jute.OP_CODES.CREATE, done),
        (response: any) => (response?.payload?.path as string | undefined) ?? "",
      );
    // The library cuts a chroot's length off the front of every create reply's path (lib/jute
    // index.js, Record deserialize), which would cut the tokens: no chroot during the exchange,
    // which runs before any other request of the session (open awaits it).
    const manager = this.client.connectionManager;
    const chroot = manager.chrootPath;
    manager.chrootPath = undefined;
    try {
      const challenge = await exchange("");
      digest.verify(await exchange(digest.respond(challenge)));
    } finally {
      manager.chrootPath = chroot;
    }
  }

  private requestMs = 10000;

  /** Data (null when the znode holds none, as distinct from empty) and stat. */
  read(path: string): Promise<{ data: Buffer | null; stat: ZnodeStat }> {
    return this.call(
      "get",
      path,
      (done) => this.client.getData(path, done),
      (data: Buffer | undefined, stat: any) => ({
        data: data ?? null,
        stat: toStat(stat),
      }),
    );
  }

  getAcl(path: string): Promise<{ acl: AclEntry[]; stat: ZnodeStat }> {
    return this.call(
      "getAcl",
      path,
      (done) => this.client.getACL(path, done),
      (acl: any[], stat: any) => ({
        acl: acl.map(fromAcl),
        stat: toStat(stat),
      }),
    );
  }

  children(path: string): Promise<{ children: string[]; stat: ZnodeStat }> {
    return this.call(
      "ls",
      path,
      (done) => this.client.getChildren(path, done),
      (children: string[], stat: any) => ({
        children,
        stat: toStat(stat),
      }),
    );
  }

  /** The stat, or null when there is no such znode. */
  stat(path: string): Promise<ZnodeStat | null> {
    return this.call(
      "stat",
      path,
      (done) => this.client.exists(path, done),
      (stat: any) => (stat ? toStat(stat) : null),
    );
  }

  /** Creates a znode and resolves with its name (a sequential mode appends the parent's counter). */
  createNode(path: string, data: Buffer | null, acl: AclEntry[], mode: NodeMode = "persistent"): Promise<string> {
    if (mode !== "container") {
      return this.call(
        "create",
        path,
        (done) => this.client.create(path, data ?? undefined, toAclRecords(acl), MODE_FLAGS[mode], done),
        (name: string) => name,
      );
    }
    // A container is created by its own opcode with a CreateRequest; the reply (Create2Response:
    // path, stat) begins with what a create's reply holds.
    const payload = new jute.protocol.CreateRequest();
    payload.path = path;
    payload.data = data ?? undefined;
    payload.acl = toAclRecords(acl).map((a) => a.toRecord());
    payload.flags = MODE_FLAGS.container;
    return this.call(
      "create -c",
      path,
      (done) => this.sendAs(OP_CREATE_CONTAINER, payload, jute.OP_CODES.CREATE, (err, response) => done(err, response?.payload?.path)),
      (name: string) => name,
    );
  }

  /** Sets a znode's data; null is ZooKeeper's null (what `zkCli.sh create /x` leaves), not an empty buffer. */
  setData(path: string, data: Buffer | null, version = -1): Promise<ZnodeStat> {
    if (data !== null) {
      return this.call(
        "set",
        path,
        (done) => this.client.setData(path, data, version, done),
        (stat: any) => toStat(stat),
      );
    }
    // node-zookeeper-client 1.1.3 accepts null in setData and then reads its length (index.js
    // setData); its serializer writes a missing buffer as length -1, which is null to the server.
    const payload = new jute.protocol.SetDataRequest();
    payload.path = path;
    payload.data = undefined;
    payload.version = version;
    return this.call(
      "set",
      path,
      (done) => this.sendAs(jute.OP_CODES.SET_DATA, payload, jute.OP_CODES.SET_DATA, (err, response) => done(err, response?.payload?.stat)),
      (stat: any) => toStat(stat),
    );
  }

  setAcl(path: string, acl: AclEntry[], version = -1): Promise<ZnodeStat> {
    return this.call(
      "setAcl",
      path,
      (done) => this.client.setACL(path, toAclRecords(acl), version, done),
      (stat: any) => toStat(stat),
    );
  }

  remove(path: string, version = -1): Promise<void> {
    return this.call(
      "delete",
      path,
      (done) => this.client.remove(path, version, done),
      () => undefined,
    );
  }

  /** Applies every op or none (creates are persistent; removes match any version). */
  multi(ops: MultiOp[]): Promise<void> {
    return this.call(
      "multi",
      ops[0]?.path ?? "/",
      (done) => {
        const t = this.client.transaction();
        for (const o of ops) {
          if (o.op === "create") t.create(o.path, o.data ?? undefined, toAclRecords(o.acl), MODE_FLAGS.persistent);
          else t.remove(o.path, -1);
        }
        t.commit(done);
      },
      () => undefined,
    );
  }

  /** Makes the connected server catch up with the leader: later reads see every write acknowledged before. */
  sync(path = "/"): Promise<void> {
    // A SyncResponse is a path; relabelled as a delete, whose reply the library does not decode.
    return this.call(
      "sync",
      path,
      (done) => this.sendAs(OP_SYNC, bytesPayload(Buffer.from(path)), jute.OP_CODES.DELETE, done),
      () => undefined,
    );
  }

  /**
   * The committed dynamic configuration (CONFIG_NODE), parsed. With `sync` (the default) the server
   * answering first catches up with the leader, as zookeeperReconfig.md advises ("to retrieve the
   * latest committed value you should do a sync first"); without, it is this server's own view.
   */
  async getConfig({ sync = true }: { sync?: boolean } = {}): Promise<ConfigAnswer> {
    if (sync) await this.sync(CONFIG_NODE);
    const { data, stat } = await this.read(CONFIG_NODE);
    const text = data?.toString("utf8") ?? "";
    return { ...parseEnsembleConfig(text), text, stat };
  }

  /**
   * Changes the membership (OpCode.reconfig, 16): a ReconfigRequest { ustring joiningServers;
   * ustring leavingServers; ustring newMembers; long curConfigId } answered by a GetDataResponse
   * holding the configuration the answering server then has (zookeeper-jute zookeeper.jute,
   * ZooKeeperAdmin.reconfigure, FinalRequestProcessor, apache/zookeeper release-3.8.0-1). The server
   * refuses (PrepRequestProcessor, in this order) with RECONFIG_DISABLED (reconfigEnabled off),
   * UNIMPLEMENTED (a standalone server), RECONFIG_IN_PROGRESS (one not yet committed), BAD_VERSION
   * (`fromConfig` is not the leader's last seen configuration), BAD_ARGUMENTS (a malformed line, or
   * no participant left), NEW_CONFIG_NO_QUORUM (no quorum of the new configuration connected and
   * synced with the leader) and last NO_AUTH (no write permission on CONFIG_NODE: only the super
   * user has it by default). When the answer is lost (CONNECTION_LOSS, a time-out: the leader
   * drops its connections when it is removed) the outcome is unknown: getConfig tells.
   */
  reconfig(change: ReconfigChange): Promise<ConfigAnswer> {
    const list = (items?: (string | number)[]) => (items && items.length ? items.map(String).join(",") : null);
    const joining = list(change.joining);
    const leaving = list(change.leaving);
    const newMembers = list(change.newMembers);
    if (newMembers !== null && (joining !== null || leaving !== null)) {
      return Promise.reject(new Error("reconfig: newMembers is the whole new membership; it cannot be combined with joining or leaving"));
    }
    if (newMembers === null && joining === null && leaving === null) {
      return Promise.reject(new Error("reconfig: nothing to change (give joining, leaving or newMembers)"));
    }
    const bad = [...(change.joining ?? []), ...(change.newMembers ?? [])].find((line) => line.includes(",") || !line.includes("="));
    if (bad !== undefined) return Promise.reject(new Error(`reconfig: '${bad}' is not one server.<id>=<spec> line`));
    const payload = recordPayload([joining, leaving, newMembers, change.fromConfig ?? -1n]);
    // The reply is a GetDataResponse: relabelled as a getData, which the library decodes whole.
    const answer = this.call(
      "reconfig",
      CONFIG_NODE,
      (done) => this.sendAs(OP_RECONFIG, payload, jute.OP_CODES.GET_DATA, done),
      (response: any) => ({
        text: (response?.payload?.data as Buffer | undefined)?.toString("utf8") ?? "",
        stat: toStat(response.payload.stat),
      }),
    );
    // Parsed outside the library's socket handler, where a throw would cost the connection.
    return answer.then(({ text, stat }) => ({ ...parseEnsembleConfig(text), text, stat }));
  }

  /** The code every call fails with once the client has stopped for good (a SASL session whose connection dropped), else undefined. */
  get stoppedWith(): string | undefined {
    return this.stopped;
  }

  /** The zxid of this session's newest reply: the connected server's last applied transaction then. */
  lastZxid(): bigint {
    return int64(this.client.connectionManager.zxid);
  }

  /**
   * Starts a request, bounded by the session's request bound; a ZooKeeper error becomes a ZkError,
   * and a synchronous refusal by the library (a bad path, oversized data) a rejection.
   */
  private call<T>(
    op: string,
    path: string,
    start: (done: (err: any, ...values: any[]) => void) => void,
    pick: (...values: any[]) => T,
  ): Promise<T> {
    const ms = this.requestMs;
    if (this.stopped) return Promise.reject(new ZkError(this.stopped, op, path));
    return new Promise<T>((resolve, reject) => {
      const fail = (code: string) => {
        clearTimeout(timer);
        reject(new ZkError(code, op, path));
      };
      const timer = setTimeout(() => {
        this.inFlight.delete(fail);
        reject(new ZkTimeout(`${op} ${path}: no answer within ${ms} ms`));
      }, ms);
      this.inFlight.add(fail);
      try {
        start((err, ...values) => {
          clearTimeout(timer);
          this.inFlight.delete(fail);
          if (err) reject(typeof err.getCode === "function" ? new ZkError(err.name, op, path) : err);
          else resolve(pick(...values));
        });
      } catch (e) {
        clearTimeout(timer);
        this.inFlight.delete(fail);
        reject(e);
      }
    });
  }

  /**
   * Sends a request of an opcode the library does not know. The library matches each reply to
   * the oldest request sent and decodes it by that request's type, dropping the connection on a
   * type it does not know. So the header goes out with the real opcode and, once serialized (the
   * library serializes a request when it writes it to the socket), is relabelled with a known type
   * whose reply is a prefix of the real one; the decoder ignores the rest of the frame. This
   * relies on node-zookeeper-client 1.1.3's internals (the dependency is pinned to that version).
   */
  private sendAs(opcode: number, payload: unknown, answerAs: number, callback: (err: any, response?: any) => void): void {
    const header = new jute.protocol.RequestHeader();
    header.type = opcode;
    const request = new jute.Request(header, payload);
    const serialize = request.toBuffer.bind(request);
    request.toBuffer = () => {
      const buffer = serialize();
      header.type = answerAs;
      return buffer;
    };
    this.client.connectionManager.queue(request, callback);
  }

  close(): void {
    this.client.close();
  }
}

/** Runs `fn` with a client on one server and always closes it. */
export async function withClient<T>(connectionString: string, fn: (c: ZkClient) => Promise<T>): Promise<T> {
  const client = await ZkClient.connect(connectionString);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}
