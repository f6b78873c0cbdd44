// An ensemble with dynamic membership on loopback, resized the way `pulumi up` resizes it in a cluster
// (components/zookeeper/ensemble.ts): the guard's seed, the remove phase, the StatefulSet's change
// (servers stopped and their volumes deleted, as persistentVolumeClaimRetentionPolicy whenScaled
// Delete does, or new servers started from empty volumes), the wait for Ready, the add phase. The
// servers run the rendered zoo.cfg and start script (LocalEnsemble); the phases run the membership
// job's own code, in this process or as the bundled job in a child process.
import * as fs from "fs";
import * as path from "path";
import { LocalEnsemble, LOCAL_ADMIN_PASSWORD } from "./zk-ensemble";
import { PORTS } from "../components/zookeeper/options";
import { ADMIN_USER } from "../components/zookeeper/users";
import { memberLines } from "../components/zookeeper/membership";
import { convergeMembership, MembershipOutcome, MembershipPhase, MembershipRun } from "../zk/membership";
import { MEMBERSHIP_ENV } from "../zk/facts/membership-env";
import type { WriterOptions } from "../zk/writer";
import { formatAddress } from "../ops/lib/verify/args";

export interface StepTimes {
  removeMs: number;
  serversMs: number;
  addMs: number;
}

export class ResizeEnsemble {
  readonly zk: LocalEnsemble;
  /** The size the last resize asked for (the guard's stored replicas). */
  size = 0;
  readonly lines: string[] = [];

  /** `slots` servers' places on 127.0.0.<addressBase + ordinal>; none started. */
  constructor(slots: number, addressBase: number) {
    this.zk = new LocalEnsemble({ replicas: slots, membership: "dynamic" }, addressBase);
  }

  /** The membership job's settings for a phase towards `size` servers. */
  run(phase: MembershipPhase, size: number, overrides: Partial<MembershipRun> = {}): MembershipRun {
    const byHost = new Map(this.zk.servers.map((s) => [s.fqdn, s.address]));
    return {
      phase,
      target: this.targetLines(size),
      // The client Service routes to any Ready server; here every server is asked.
      endpoints: this.zk.servers.map((s) => ({ host: s.address, port: PORTS.client })),
      clientPort: PORTS.client,
      sasl: { username: ADMIN_USER, password: LOCAL_ADMIN_PASSWORD },
      serversExist: async () => this.zk.servers.some((s) => this.zk.isRunning(s.ordinal)),
      addressOf: (host) => byHost.get(host) ?? host,
      joinWaitMs: 60000,
      log: (line) => this.lines.push(line),
      ...overrides,
    };
  }

  /** The member lines of servers 1..size, each with its own loopback address for clients. */
  targetLines(size: number): string[] {
    return memberLines(this.zk.settings, size, (i) => this.zk.plaintextAddress(i));
  }

  /** The same, as the Job's environment (zk/facts/membership-env.ts). */
  jobEnv(phase: MembershipPhase, size: number): Record<string, string> {
    const r = this.run(phase, size);
    return {
      [MEMBERSHIP_ENV.phase]: phase,
      [MEMBERSHIP_ENV.target]: r.target.join("\n"),
      [MEMBERSHIP_ENV.endpoints]: r.endpoints.map(formatAddress).join(","),
      [MEMBERSHIP_ENV.clientPort]: String(PORTS.client),
      [MEMBERSHIP_ENV.serversName]: "servers.invalid",
      [MEMBERSHIP_ENV.joinWait]: "60",
      [MEMBERSHIP_ENV.hosts]: this.zk.servers.map((s) => `${s.fqdn}=${s.address}`).join(","),
      [MEMBERSHIP_ENV.saslUsername]: ADMIN_USER,
      [MEMBERSHIP_ENV.saslPassword]: LOCAL_ADMIN_PASSWORD,
    };
  }

  /** A new ensemble of `size` servers: the seed lists them all, and they start from empty volumes at once (Parallel). */
  async deploy(size: number, ms = 60000): Promise<void> {
    this.zk.writeSeed(size);
    this.size = size;
    this.zk.start(range(size));
    await this.zk.waitReady(range(size), ms);
  }

  /** The StatefulSet at `size`: surplus servers stopped and their volumes deleted, missing ones started from empty volumes. */
  async scale(size: number): Promise<void> {
    const running = this.zk.servers.filter((s) => this.zk.isRunning(s.ordinal)).map((s) => s.ordinal);
    const surplus = running.filter((i) => i >= size);
    await this.zk.stop(surplus);
    for (const i of surplus) this.wipe(i);
    this.zk.start(range(size).filter((i) => !this.zk.isRunning(i)));
  }

  /** A server's volume deleted (its data and its live configuration). */
  wipe(ordinal: number): void {
    const s = this.zk.servers[ordinal];
    fs.rmSync(s.dataDir, { recursive: true, force: true });
    fs.rmSync(this.zk.liveConfDir(ordinal), { recursive: true, force: true });
  }

  /** One `pulumi up` that changes replicas to `size`, in the program's order; the time each part took. */
  async resize(size: number, ms = 60000): Promise<StepTimes & { remove: MembershipOutcome; add: MembershipOutcome }> {
    this.zk.writeSeed(Math.min(this.size, size));
    this.size = size;
    const t0 = Date.now();
    const remove = await convergeMembership(this.run("remove", size));
    const t1 = Date.now();
    await this.scale(size);
    await this.zk.waitReady(range(size), ms);
    const t2 = Date.now();
    const add = await convergeMembership(this.run("add", size));
    return { remove, add, removeMs: t1 - t0, serversMs: t2 - t1, addMs: Date.now() - t2 };
  }

  /** Each running server's committed membership, as its own `conf` tells it. */
  async memberships(ordinals: number[]): Promise<string[]> {
    return Promise.all(
      ordinals.map(async (i) => {
        const conf = await this.zk.fourLetterWord(i, "conf");
        const at = conf.indexOf("membership:");
        return at < 0 ? `(${conf.split("\n")[0]})` : conf.slice(at);
      }),
    );
  }

  /** A server's live configuration files (on its volume). */
  liveFiles(ordinal: number): string[] {
    const dir = this.zk.liveConfDir(ordinal);
    return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
  }

  liveFile(ordinal: number, name: string): string {
    return fs.readFileSync(path.join(this.zk.liveConfDir(ordinal), name), "utf8");
  }
}

export const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The writer a resize runs under: it notices a lost server within its 4 s session. */
export const resizeWriterOptions = (connectionString: string, root: string, ratePerSecond = 25): WriterOptions => ({
  connectionString,
  root,
  ratePerSecond,
  writeTimeoutMs: 2000,
  connectTimeoutMs: 3000,
  sessionTimeoutMs: 4000,
});
