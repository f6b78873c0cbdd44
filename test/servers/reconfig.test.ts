// Dynamic reconfiguration (ZooKeeper 3.5+'s `reconfig`) through the bounded client
// (zk/zk-client.ts getConfig and reconfig), first on the wire against a stand-in server, then
// on real ZooKeeper (the fetched release, 3.9.5 by default): servers with reconfigEnabled=true, standaloneEnabled=false and a
// dynamic configuration file (harness/reconfig-ensemble.ts), clients that must authenticate
// with SASL, and the super user as the only identity allowed to reconfigure (never skipACL). Under a
// continuous writer: 1 -> 3, 3 -> 5 -> 3, the refusals, the leader removed, 3 -> 1; every acknowledged
// write is then read back through every remaining server. The sources cited are apache/zookeeper at
// release-3.8.0-1 (the same at release-3.9.5 for every behaviour used here).
import { expect } from "chai";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { execFileSync } from "child_process";
import { ReconfigEnsemble, SEED_NAME, USERS } from "../../harness/reconfig-ensemble";
import { ConfigAnswer, OPEN_ACL, ZkClient, ZkError } from "../../zk/zk-client";
import { formatConfigVersion, memberLine, participants } from "../../zk/zk-config";
import { ContinuousWriter, WriterReport } from "../../zk/writer";

const ADDRESS_BASE = 180;
const WAIT = 60000;
/** Every ensemble's directory: each server's command line names it (zoo.cfg, the JVM hosts file). */
const roots: string[] = [];

/** The outcome of a call: its answer, or the ZkError code (or "TIMEOUT") it failed with. */
async function outcome<T>(p: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; code: string }> {
  try {
    return { ok: true, value: await p };
  } catch (e) {
    return { ok: false, code: e instanceof ZkError ? e.code : e instanceof Error && /no answer/.test(e.message) ? "TIMEOUT" : String(e) };
  }
}

const codeOf = async (p: Promise<unknown>) => {
  const o = await outcome(p);
  return o.ok ? "answered" : o.code;
};

const ids = (c: { members: { id: number }[] }) => c.members.map((m) => m.id);

// ------------------------------------------------------------------------------------------------
// On the wire: a stand-in server that records each request and answers from a script.

interface Frame {
  xid: number;
  type: number;
  body: Buffer;
}

/** A server that opens a session, then answers the requests it receives with `answer(frame)` (a reply body after the header's zxid). */
async function standIn(answer: (f: Frame) => { err: number; body?: Buffer }, batch = 1) {
  const frames: Frame[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => undefined);
    let connected = false;
    let pending = Buffer.alloc(0);
    let waiting: Frame[] = [];
    socket.on("data", (data) => {
      pending = Buffer.concat([pending, data]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const frame = pending.subarray(4, 4 + pending.readInt32BE(0));
        pending = pending.subarray(4 + frame.length);
        if (!connected) {
          connected = true;
          const body = Buffer.alloc(4 + 4 + 8 + 4 + 16 + 1);
          body.writeInt32BE(10000, 4);
          body.writeBigInt64BE(1n, 8);
          body.writeInt32BE(16, 16);
          socket.write(Buffer.concat([Buffer.from([0, 0, 0, body.length]), body]));
          continue;
        }
        const f = { xid: frame.readInt32BE(0), type: frame.readInt32BE(4), body: frame.subarray(8) };
        if (f.type === 11) continue; // a ping
        frames.push(f);
        waiting.push(f);
        if (waiting.length < batch) continue;
        // Every reply of the batch in one write: the client must read on after each.
        const replies = waiting.map((w) => {
          const { err, body = Buffer.alloc(0) } = answer(w);
          const header = Buffer.alloc(4 + 4 + 8 + 4);
          header.writeInt32BE(16 + body.length, 0);
          header.writeInt32BE(w.xid, 4);
          header.writeInt32BE(err, 16);
          return Buffer.concat([header, body]);
        });
        waiting = [];
        socket.write(Buffer.concat(replies));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    frames,
    connections: () => sockets.size,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Reads a ReconfigRequest as the server does (zookeeper.jute): three ustrings (-1: null), a long. */
function decodeReconfigRequest(body: Buffer) {
  let offset = 0;
  const ustring = () => {
    const n = body.readInt32BE(offset);
    offset += 4;
    if (n < 0) return null;
    const s = body.subarray(offset, offset + n).toString("utf8");
    offset += n;
    return s;
  };
  const joining = ustring();
  const leaving = ustring();
  const newMembers = ustring();
  const curConfigId = body.readBigInt64BE(offset);
  return { joining, leaving, newMembers, curConfigId, rest: body.length - offset - 8 };
}

/** A GetDataResponse: data, then a Stat of 68 bytes (mzxid set, the rest zero). */
function getDataResponse(text: string, mzxid: bigint): Buffer {
  const data = Buffer.from(text);
  const out = Buffer.alloc(4 + data.length + 68);
  out.writeInt32BE(data.length, 0);
  data.copy(out, 4);
  out.writeBigInt64BE(mzxid, 4 + data.length + 8);
  return out;
}

describe("dynamic reconfiguration (reconfig, getConfig)", function () {
  this.timeout(240000);

  describe("on the wire (a stand-in server)", () => {
    it("sends OpCode.reconfig (16) with a ReconfigRequest: comma-joined lists, null for what is not given, -1 for any version", async () => {
      const config = "server.1=h1:2888:3888:participant;h1:2181\nserver.4=h4:2888:3888:participant;h4:2181\nversion=10000000b";
      const server = await standIn(() => ({ err: 0, body: getDataResponse(config, 0x10000000bn) }));
      const client = await ZkClient.open(server.address, { connectMs: 2000, requestMs: 2000 });
      try {
        const answer = await client.reconfig({ joining: ["server.4=h4:2888:3888:participant;h4:2181"], leaving: [2, 3] });
        expect(ids(answer)).to.deep.equal([1, 4]);
        expect(answer.version).to.equal(0x10000000bn);
        expect(answer.stat.mzxid).to.equal(0x10000000bn);
        await client.reconfig({ newMembers: ["server.1=h1:2888:3888;2181", "server.2=h2:2888:3888;2181"], fromConfig: 0x10000000bn });
        expect(server.frames.map((f) => f.type)).to.deep.equal([16, 16]);
        expect(decodeReconfigRequest(server.frames[0].body)).to.deep.equal({
          joining: "server.4=h4:2888:3888:participant;h4:2181",
          leaving: "2,3",
          newMembers: null,
          curConfigId: -1n,
          rest: 0,
        });
        expect(decodeReconfigRequest(server.frames[1].body)).to.deep.equal({
          joining: null,
          leaving: null,
          newMembers: "server.1=h1:2888:3888;2181,server.2=h2:2888:3888;2181",
          curConfigId: 0x10000000bn,
          rest: 0,
        });
        // Refused before anything is sent: what the server would misread or ignore.
        for (const bad of [{}, { newMembers: ["server.1=h:1:2;3"], leaving: [2] }, { joining: ["server.4=a:1:2;3,server.5=b:1:2;3"] }]) {
          expect(await outcome(client.reconfig(bad)), JSON.stringify(bad)).to.include({ ok: false });
        }
        expect(server.frames).to.have.length(2);
      } finally {
        client.close();
        await server.close();
      }
    });

    it("maps the server's reconfig refusals the library has no name for to clear codes, keeping the connection", async () => {
      // KeeperException.Code: RECONFIGDISABLED -123, NEWCONFIGNOQUORUM -13, RECONFIGINPROGRESS -14; NOAUTH -102 and BADVERSION -103 the library knows.
      const script = [-123, -13, -14, -102, -103];
      const server = await standIn(
        (f) => ({ err: script[server.frames.indexOf(f)] ?? 0, body: getDataResponse("version=1", 1n) }),
        script.length,
      );
      const client = await ZkClient.open(server.address, { connectMs: 2000, requestMs: 2000 });
      try {
        // Sent together and answered in one write: each gets its own code, in order.
        const codes = await Promise.all(script.map(() => codeOf(client.reconfig({ leaving: [3] }))));
        expect(codes).to.deep.equal(["RECONFIG_DISABLED", "NEW_CONFIG_NO_QUORUM", "RECONFIG_IN_PROGRESS", "NO_AUTH", "BAD_VERSION"]);
        expect(server.connections(), "one connection throughout").to.equal(1);
      } finally {
        client.close();
        await server.close();
      }
    });
  });

  // ----------------------------------------------------------------------------------------------

  describe("a server started from the static form, and one without reconfigEnabled", () => {
    // The static form (members in zoo.cfg) is how this project renders zoo.cfg today; the second
    // server is the project's own rendering for one replica (standalone, reconfig off).
    let staticForm: ReconfigEnsemble;
    let disabled: ReconfigEnsemble;
    before(() => {
      staticForm = new ReconfigEnsemble(1, ADDRESS_BASE + 5);
      disabled = new ReconfigEnsemble(1, ADDRESS_BASE + 6);
      roots.push(staticForm.zk.root, disabled.zk.root);
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed") console.error(staticForm.zk.logTails(), disabled.zk.logTails());
    });
    after(async () => {
      await staticForm?.zk.destroy();
      await disabled?.zk.destroy();
    });

    it("members in zoo.cfg with reconfigEnabled: the server keeps zoo.cfg.bak, writes zoo.cfg.dynamic.<version> and rewrites zoo.cfg to point at it", async () => {
      const conf = staticForm.confDir(0);
      const s = staticForm.zk.servers[0];
      const original =
        fs.readFileSync(path.join(conf, "zoo.cfg"), "utf8") +
        `reconfigEnabled=true\nstandaloneEnabled=false\nserver.1=${s.fqdn}:2888:3888\n`;
      fs.writeFileSync(path.join(conf, "zoo.cfg"), original);
      staticForm.zk.start();
      disabled.zk.start();
      await staticForm.zk.waitReady(undefined, WAIT);
      await disabled.zk.waitReady(undefined, WAIT);
      const config = await staticForm.withClient([0], (c) => c.getConfig());
      const name = `zoo.cfg.dynamic.${formatConfigVersion(config.version!)}`;
      // QuorumPeerConfig.parse: no dynamicConfigFile, distributed and reconfigEnabled -> backupOldConfig() (zoo.cfg.bak);
      // QuorumPeer.setQuorumVerifier -> writeDynamicConfig(zoo.cfg + ".dynamic." + hex version) and editStaticConfig(zoo.cfg).
      expect(staticForm.files(0).conf).to.deep.equal([name, "start-zookeeper.sh", "zk-probe.sh", "zoo.cfg", "zoo.cfg.bak"].sort());
      expect(fs.readFileSync(path.join(conf, "zoo.cfg.bak"), "utf8")).to.equal(original);
      const rewritten = fs.readFileSync(path.join(conf, "zoo.cfg"), "utf8");
      expect(rewritten).to.not.match(/^server\./m);
      expect(rewritten).to.contain(`dynamicConfigFile=${path.join(fs.realpathSync(conf), name)}`);
      // A member line without a client address takes it from zoo.cfg (isClientAddrFromStatic): written without one, and clientPort stays.
      expect(fs.readFileSync(path.join(conf, name), "utf8")).to.equal(`server.1=${s.fqdn}:2888:3888:participant`);
      expect(rewritten).to.match(/^clientPort=2181$/m);
      expect(config.members[0].client).to.equal(undefined);
    });

    it("reconfig on a server without reconfigEnabled is refused with RECONFIG_DISABLED, even for the super user", async () => {
      expect(await disabled.zk.mode(0)).to.equal("standalone");
      expect(await disabled.withClient([0], (c) => codeOf(c.reconfig({ leaving: [2] })))).to.equal("RECONFIG_DISABLED");
      // The session survives the refusal (an unknown code used to drop the connection).
      await disabled.withClient([0], async (c) => {
        expect(await codeOf(c.reconfig({ leaving: [2] }))).to.equal("RECONFIG_DISABLED");
        expect((await c.getConfig()).text, "no dynamic configuration").to.equal("");
      });
    });
  });

  // ----------------------------------------------------------------------------------------------

  describe("an ensemble resized under a continuous writer (SASL required; the super user reconfigures)", () => {
    let e: ReconfigEnsemble;
    /** The servers running as members now, by ordinal. */
    let members: number[] = [];
    before(() => {
      e = new ReconfigEnsemble(5, ADDRESS_BASE);
      roots.push(e.zk.root);
    });
    /** Writers still writing: a failed case leaves its writer to afterEach, which stops it. */
    const writers = new Set<ContinuousWriter>();
    afterEach(async function () {
      if (this.currentTest?.state === "failed") console.error(e.zk.logTails(25));
      for (const w of writers) await w.stop();
      writers.clear();
    });
    after(async () => {
      await e?.zk.destroy();
    });

    async function startWriter(ordinals: number[], root: string): Promise<ContinuousWriter> {
      const writer = await ContinuousWriter.start({
        connectionString: e.zk.connect(ordinals),
        root,
        ratePerSecond: 25,
        writeTimeoutMs: 2000,
        connectTimeoutMs: 3000,
        sessionTimeoutMs: 4000,
        sasl: { username: "app", password: USERS.app },
      });
      writers.add(writer);
      return writer;
    }

    /** Stops a writer and finds every write it got acknowledged on every server given. */
    async function stopAndFindEveryWrite(writer: ContinuousWriter, ordinals: number[]): Promise<WriterReport> {
      writers.delete(writer);
      const report = await writer.stop();
      for (const i of ordinals) {
        const back = await writer.readBack(e.zk.connect([i]));
        expect(back.lost, `acknowledged writes of ${report.root} missing on server ${e.id(i)}`).to.deep.equal([]);
      }
      console.log(
        `      writer ${report.root}: ${report.acknowledged} acknowledged, none lost on servers ${ordinals.map((i) => e.id(i)).join(", ")}; ` +
          `outcome unknown ${report.unknown.connectionLosses + report.unknown.timeouts}, sessions ${report.sessions}, longest gap ${report.longestGapMs} ms`,
      );
      return report;
    }

    /** Each server's own view after catching up: every one must hold the same configuration. */
    async function agreedConfig(ordinals: number[]): Promise<ConfigAnswer> {
      const views = await Promise.all(ordinals.map((i) => e.withClient([i], (c) => c.getConfig())));
      for (const [k, v] of views.entries()) expect(v.text, `server ${e.id(ordinals[k])}'s configuration`).to.equal(views[0].text);
      return views[0];
    }

    async function leaderAmong(ordinals: number[]): Promise<number> {
      let leaders: number[] = [];
      await e.zk.waitFor(
        `one leader among ${ordinals.map((i) => e.id(i))}`,
        async () => (leaders = await e.zk.leaders(ordinals)).length === 1,
        WAIT,
      );
      return leaders[0];
    }

    /**
     * Adds a server the way the design does: it starts with the committed configuration plus itself
     * as a participant (zookeeperReconfig.md, "Adding servers", option 2), syncs with the leader as a
     * non-voting follower, and only then is added, conditionally on the configuration it was seeded
     * from. Returns the new configuration and the time each phase took.
     */
    async function join(ordinal: number): Promise<{ config: ConfigAnswer; startMs: number; reconfigMs: number }> {
      const committed = await e.withClient(members, (c) => c.getConfig());
      expect(ids(committed)).to.not.include(e.id(ordinal));
      e.configure(ordinal, [...committed.members.map(memberLine), e.line(ordinal)]);
      const t0 = Date.now();
      e.zk.start([ordinal]);
      // Serving (srvr: follower) only once synced with the leader; the leader counts it a synced non-voting follower.
      await e.zk.waitReady([ordinal], WAIT);
      const startMs = Date.now() - t0;
      const leader = await leaderAmong(members);
      expect(Number((await e.mntr(leader)).zk_synced_non_voting_followers), "the joiner is a synced non-voting follower").to.equal(1);
      const t1 = Date.now();
      const config = await e.withClient(members, (c) => c.reconfig({ joining: [e.line(ordinal)], fromConfig: committed.version }));
      const reconfigMs = Date.now() - t1;
      expect(ids(config)).to.deep.equal([...ids(committed), e.id(ordinal)].sort((a, b) => a - b));
      expect(config.version! > committed.version!, "the configuration id advances").to.equal(true);
      members = [...members, ordinal].sort();
      return { config, startMs, reconfigMs };
    }

    /**
     * Removes servers in one reconfig through the servers that stay, then stops them. When a leader
     * leaves, the servers hand over and close their client connections (Leader.shutdown and
     * Learner.shutdown call closeAllConnections), which may take the answer with them: the
     * configuration read back says whether it committed. A write committed afterwards means the new
     * configuration is active ("Progress guarantees", zookeeperReconfig.md): only then do they stop.
     */
    async function leave(ordinals: number[]): Promise<{ config: ConfigAnswer; answered: string }> {
      const remaining = members.filter((i) => !ordinals.includes(i));
      const before = await agreedConfig(remaining);
      const answer = await outcome(
        e.withClient(remaining, (c) => c.reconfig({ leaving: ordinals.map((i) => e.id(i)), fromConfig: before.version })),
      );
      await e.zk.waitReady(remaining, WAIT);
      const config = await agreedConfig(remaining);
      expect(ids(config), `committed (the answer: ${answer.ok ? "answered" : answer.code})`).to.deep.equal(remaining.map((i) => e.id(i)));
      expect(config.version! > before.version!).to.equal(true);
      if (answer.ok) expect(answer.value.text).to.equal(config.text);
      const marker = `/after-${formatConfigVersion(config.version!)}`;
      await e.zk.waitFor(
        "a write to commit under the new configuration",
        async () =>
          ["answered", "NODE_EXISTS"].includes(await codeOf(e.withClient(remaining, (c) => c.createNode(marker, null, OPEN_ACL)))),
        WAIT,
      );
      members = remaining;
      await e.zk.stop(ordinals);
      return { config, answered: answer.ok ? "answered" : answer.code };
    }

    it("1 -> 3: a lone server (standaloneEnabled=false) is a one-member quorum; each joiner syncs as a non-voting follower, then joins", async () => {
      const t0 = Date.now();
      e.configure(0, [e.line(0)]);
      e.zk.start([0]);
      await e.zk.waitReady([0], WAIT);
      members = [0];
      expect(await e.zk.mode(0), "not standalone: the quorum code, which can grow").to.equal("leader");
      const first = await e.withClient([0], (c) => c.getConfig());
      expect(ids(first)).to.deep.equal([1]);
      // "The version of the first established configuration equals to the zxid of the NEWLEADER message" (zookeeperReconfig.md).
      expect(first.version).to.equal(0x100000000n);
      console.log(`      server 1 ready as a one-member quorum ${Date.now() - t0} ms after start`);

      const writer = await startWriter([0], "/grow-1-3");
      await e.zk.waitFor("the writer to write", async () => writer.acknowledged > 5, WAIT);

      // A joiner that restarts after adopting the committed configuration (in which it is absent)
      // cannot boot: zookeeperReconfig.md, "Adding servers" ("you'll once again have to specify an
      // initial configuration"). Seen here: it exits, and the start must seed it again.
      e.configure(1, [...first.members.map(memberLine), e.line(1)]);
      e.zk.start([1]);
      await e.zk.waitReady([1], WAIT);
      expect(fs.readFileSync(path.join(e.confDir(1), "zoo.cfg"), "utf8")).to.contain(
        `zoo.cfg.dynamic.${formatConfigVersion(first.version!)}`,
      );
      await e.zk.stop([1]);
      e.zk.start([1]);
      await e.zk.waitFor("the restarted joiner to exit", async () => !e.zk.isRunning(1), 30000);
      expect(fs.readFileSync(e.zk.servers[1].log, "utf8")).to.match(/My id 2 not in the peer list/);

      const timings: string[] = [];
      for (const ordinal of [1, 2]) {
        const writes = writer.acknowledged;
        const { config, startMs, reconfigMs } = await join(ordinal);
        timings.push(
          `server ${e.id(ordinal)}: synced ${startMs} ms after start, reconfig ${reconfigMs} ms, version ${formatConfigVersion(config.version!)}`,
        );
        expect(writer.acknowledged, "writes went on").to.be.above(writes);
      }
      console.log(`      ${timings.join("; ")}`);
      const config = await agreedConfig(members);
      expect(participants(config)).to.deep.equal([1, 2, 3]);
      expect((await Promise.all(members.map((i) => e.zk.mode(i)))).sort()).to.deep.equal(["follower", "follower", "leader"]);
      await stopAndFindEveryWrite(writer, members);
    });

    it("the files: the server writes zoo.cfg.dynamic.<version> next to zoo.cfg and rewrites zoo.cfg; the seed dynamic file is never touched", async () => {
      expect(members).to.deep.equal([0, 1, 2]);
      const config = await agreedConfig(members);
      const current = `zoo.cfg.dynamic.${formatConfigVersion(config.version!)}`;
      for (const i of members) {
        const conf = e.confDir(i);
        const { conf: files, seed } = e.files(i);
        // QuorumPeer.setQuorumVerifier: writeDynamicConfig(configFilename + ".dynamic." + hex version), then
        // editStaticConfig(zoo.cfg) through AtomicFileWritingIdiom (a temporary file renamed: the directory must be writable).
        const dynamic = files.filter((f) => f.startsWith("zoo.cfg.dynamic."));
        expect(dynamic, `server ${e.id(i)}`).to.include(current);
        expect(
          files.filter((f) => f.startsWith("zoo.cfg")).sort(),
          `server ${e.id(i)}: no zoo.cfg.bak with a dynamicConfigFile, nothing left over`,
        ).to.deep.equal(["zoo.cfg", ...dynamic].sort());
        // Earlier versions are kept ("retained for backup purposes"); none is newer than the committed one.
        for (const f of dynamic) expect(BigInt(`0x${f.split(".").pop()}`) <= config.version!, f).to.equal(true);
        const zooCfg = fs.readFileSync(path.join(conf, "zoo.cfg"), "utf8");
        expect(zooCfg, `server ${e.id(i)}'s zoo.cfg points at the newest dynamic file, next to it`).to.contain(
          `dynamicConfigFile=${path.join(fs.realpathSync(conf), current)}\n`,
        );
        expect(zooCfg).to.match(/^reconfigEnabled=true$/m);
        expect(zooCfg).to.match(/^standaloneEnabled=false$/m);
        // The member line carries the client address, so editStaticConfig drops clientPort and clientPortAddress.
        expect(zooCfg).to.not.match(/^clientPort/m);
        // The dynamic file: the member lines, sorted, without the version (it is in the name).
        expect(fs.readFileSync(path.join(conf, current), "utf8")).to.equal(config.members.map(memberLine).join("\n"));
        expect(seed).to.deep.equal([SEED_NAME]);
        // The data directory holds no configuration.
        expect(fs.readdirSync(e.zk.servers[i].dataDir).sort()).to.deep.equal(["log", "myid", "version-2"]);
      }
      // server 1 started before any reconfig: it holds every version since the first leader's.
      expect(e.files(0).conf.filter((f) => f.startsWith("zoo.cfg.dynamic."))).to.have.length(3);
    });

    it("3 -> 5 one server at a time, then 5 -> 3 removing two servers in one reconfig, then stopping them", async () => {
      expect(members).to.deep.equal([0, 1, 2]);
      const writer = await startWriter([0, 1, 2], "/grow-3-5-3");
      await e.zk.waitFor("the writer to write", async () => writer.acknowledged > 5, WAIT);
      const timings: string[] = [];
      for (const ordinal of [3, 4]) {
        const { startMs, reconfigMs } = await join(ordinal);
        timings.push(`server ${e.id(ordinal)}: synced ${startMs} ms after start, reconfig ${reconfigMs} ms`);
      }
      console.log(`      ${timings.join("; ")}`);
      expect(participants(await agreedConfig(members))).to.deep.equal([1, 2, 3, 4, 5]);
      const leader = await leaderAmong(members);
      expect(Number((await e.mntr(leader)).zk_synced_followers)).to.equal(4);

      const writes = writer.acknowledged;
      const t0 = Date.now();
      const { config, answered } = await leave([3, 4]);
      console.log(
        `      5 -> 3: servers 4 and 5 removed (${answered}) and stopped in ${Date.now() - t0} ms, version ${formatConfigVersion(config.version!)}`,
      );
      expect(participants(await agreedConfig(members))).to.deep.equal([1, 2, 3]);
      await e.zk.waitFor("writes after the removal", async () => writer.acknowledged > writes + 10, WAIT);
      await stopAndFindEveryWrite(writer, members);
    });

    it("the refusals: NO_AUTH without the super user, BAD_VERSION from a stale configuration, BAD_ARGUMENTS, RECONFIG_IN_PROGRESS, NEW_CONFIG_NO_QUORUM while a member is down", async () => {
      expect(members).to.deep.equal([0, 1, 2]);
      const before = await agreedConfig(members);
      const stale = before.version! - 1n;
      // PrepRequestProcessor (case OpCode.reconfig) checks, in order: reconfigEnabled, a reconfig in
      // progress, the version, the arguments, the new configuration's synced quorum, and last the
      // ACL of /zookeeper/config (world:anyone read only; the super user passes every ACL).
      expect(
        await e.withClient([0], (c) => codeOf(c.reconfig({ leaving: [3] })), "app"),
        "an authenticated user that is not the super user",
      ).to.equal("NO_AUTH");
      expect(await e.withClient([0], (c) => codeOf(c.reconfig({ leaving: [3], fromConfig: stale })))).to.equal("BAD_VERSION");
      expect(
        await e.withClient([0], (c) => codeOf(c.reconfig({ leaving: [3], fromConfig: stale })), "app"),
        "the version is checked before the ACL",
      ).to.equal("BAD_VERSION");
      expect(await e.withClient([0], (c) => codeOf(c.reconfig({ joining: ["server.9=nowhere:2888"] })))).to.equal("BAD_ARGUMENTS");
      expect(await e.withClient([0], (c) => codeOf(c.reconfig({ leaving: [1, 2, 3] }))), "no participant left").to.equal("BAD_ARGUMENTS");
      expect((await agreedConfig(members)).text, "nothing changed").to.equal(before.text);

      // Two reconfigs sent together: the leader proposes the first (its last seen configuration
      // changes) and refuses the second until the first commits. Each is a no-op membership change.
      const leader = await leaderAmong(members);
      const inProgress: string[] = [];
      for (let attempt = 0; attempt < 5 && !inProgress.includes("RECONFIG_IN_PROGRESS"); attempt++) {
        const both = await e.withClient([leader], (c) =>
          Promise.all([codeOf(c.reconfig({ joining: [e.line(1)] })), codeOf(c.reconfig({ joining: [e.line(2)] }))]),
        );
        inProgress.push(...both);
      }
      expect(inProgress).to.include("RECONFIG_IN_PROGRESS");
      expect(ids(await agreedConfig(members))).to.deep.equal([1, 2, 3]);

      // Adding a server that is not running is accepted when the others are a quorum of the new
      // configuration (Leader.isQuorumSynced counts a quorum, not every joiner): the orchestration
      // must itself check that a joiner is synced. Removed again at once.
      const absent = await e.withClient(members, (c) => c.reconfig({ joining: [e.line(3)] }));
      expect(ids(absent)).to.deep.equal([1, 2, 3, 4]);
      expect(ids(await e.withClient(members, (c) => c.reconfig({ leaving: [4] })))).to.deep.equal([1, 2, 3]);

      // A member down: removing another one would leave {leader, the down one}, of which only the
      // leader is synced: not a quorum, refused before anything changes.
      const followers = members.filter((i) => i !== leader);
      const [down, other] = followers;
      await e.zk.stop([down]);
      const whileDown = await agreedConfig([leader, other]);
      expect(await e.withClient([leader], (c) => codeOf(c.reconfig({ leaving: [e.id(other)], fromConfig: whileDown.version })))).to.equal(
        "NEW_CONFIG_NO_QUORUM",
      );
      expect((await agreedConfig([leader, other])).text).to.equal(whileDown.text);
      // The stopped member restarts from the configuration the server wrote (zoo.cfg -> zoo.cfg.dynamic.<version>, itself in it).
      e.zk.start([down]);
      await e.zk.waitReady([down], WAIT);
      expect((await agreedConfig(members)).text).to.equal(whileDown.text);
    });

    it("the leader removed: the old leader drops its clients; whether the reconfig committed is read back from the configuration", async () => {
      expect(members).to.deep.equal([0, 1, 2]);
      const writer = await startWriter(members, "/remove-leader");
      await e.zk.waitFor("the writer to write", async () => writer.acknowledged > 5, WAIT);
      const leader = await leaderAmong(members);
      const before = await agreedConfig(members);
      // An ordinary session on the leader only, and the super user's, also on the leader (the worst case for its answer).
      const bystander = await e.open([leader], "app", 2000);
      const admin = await e.open([leader]);
      const t0 = Date.now();
      const answer = await outcome(admin.reconfig({ leaving: [e.id(leader)], fromConfig: before.version }));
      const answerMs = Date.now() - t0;
      admin.close();
      // The answer may come (it did in every run here) or be lost when the old leader shuts its
      // ZooKeeperServer down: Leader.shutdown calls self.closeAllConnections(). Either way the
      // configuration, read through another server, says whether it committed.
      expect(answer.ok ? "answered" : answer.code).to.be.oneOf(["answered", "CONNECTION_LOSS", "TIMEOUT"]);
      const remaining = members.filter((i) => i !== leader);
      await e.zk.waitReady(remaining, WAIT);
      const after = await agreedConfig(remaining);
      expect(ids(after), "committed: the old leader is no member").to.deep.equal(remaining.map((i) => e.id(i)));
      expect(after.version! > before.version!).to.equal(true);
      if (answer.ok) expect(answer.value.text).to.equal(after.text);
      members = remaining;
      const writesAtRemoval = writer.acknowledged;
      const newLeader = await leaderAmong(remaining);
      // The bystander's connection to the old leader is closed: its SASL session stops (ZkClient does
      // not reconnect it unauthenticated), and a new session elsewhere goes on.
      await e.zk.waitFor(
        "the old leader to drop the bystander",
        async () => (await codeOf(bystander.read("/"))) === "CONNECTION_LOSS",
        20000,
      );
      bystander.close();
      // The old leader keeps running as a non-voting follower: it serves, and holds the new configuration.
      await e.zk.waitFor("the old leader to serve again as a follower", async () => (await e.zk.mode(leader)) === "follower", WAIT);
      expect((await e.withClient([leader], (c) => c.getConfig())).text).to.equal(after.text);
      console.log(
        `      removing leader ${e.id(leader)}: ${answer.ok ? "answered" : answer.code} in ${answerMs} ms; new leader ${e.id(newLeader)}; ` +
          `version ${formatConfigVersion(before.version!)} -> ${formatConfigVersion(after.version!)}`,
      );
      await e.zk.waitFor("writes after the leader's removal", async () => writer.acknowledged > writesAtRemoval + 5, WAIT);
      await stopAndFindEveryWrite(writer, [0, 1, 2]);

      // Added back without a restart: it is connected and synced already.
      const back = await e.withClient(remaining, (c) => c.reconfig({ joining: [e.line(leader)], fromConfig: after.version }));
      members = [0, 1, 2];
      expect(ids(back)).to.deep.equal([1, 2, 3]);
      expect(participants(await agreedConfig(members))).to.deep.equal([1, 2, 3]);
    });

    it("3 -> 1: two servers removed in one reconfig; the last one goes on alone as a one-member quorum", async () => {
      expect(members).to.deep.equal([0, 1, 2]);
      const writer = await startWriter([0], "/shrink-3-1");
      await e.zk.waitFor("the writer to write", async () => writer.acknowledged > 5, WAIT);
      const t0 = Date.now();
      const { config, answered } = await leave([1, 2]);
      console.log(
        `      3 -> 1: servers 2 and 3 removed (${answered}) and stopped in ${Date.now() - t0} ms, version ${formatConfigVersion(config.version!)}`,
      );
      expect(participants(await agreedConfig([0]))).to.deep.equal([1]);
      await e.zk.waitFor("server 1 to lead alone", async () => (await e.zk.mode(0)) === "leader", WAIT);
      const writes = writer.acknowledged;
      await e.zk.waitFor("writes with server 1 alone", async () => writer.acknowledged > writes + 10, WAIT);
      await stopAndFindEveryWrite(writer, [0]);
    });

    it("a former member restarted from a seed listing only itself leads a quorum of its own (split brain): the live configuration must outlive restarts", async () => {
      expect(members).to.deep.equal([0]);
      // Server 2 keeps its data (the history up to its removal) but starts from a seed of itself
      // alone, version 0: FastLeaderElection only counts the voters of its own configuration, so it
      // elects itself at once and never asks server 1.
      e.configure(1, [e.line(1)]);
      e.zk.start([1]);
      await e.zk.waitReady([1], WAIT);
      expect([await e.zk.mode(0), await e.zk.mode(1)], "two leaders").to.deep.equal(["leader", "leader"]);
      await e.withClient([1], (c) => c.createNode("/split-brain", null, OPEN_ACL));
      expect(await e.withClient([0], (c) => c.stat("/split-brain")), "acknowledged by server 2 alone, unknown to server 1").to.equal(null);
      await e.zk.stop([1]);
    });

    it("kills every server it started (these and the block before)", async () => {
      await e.zk.destroy();
      const left = roots.map((root) => {
        try {
          return execFileSync("pgrep", ["-f", root], { encoding: "utf8", timeout: 5000 }).trim();
        } catch {
          return ""; // pgrep exits 1 when nothing matches
        }
      });
      expect(left.join(""), "server processes left").to.equal("");
    });
  });
});
