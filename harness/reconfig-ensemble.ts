// Real ZooKeeper servers with dynamic reconfiguration, on loopback: LocalEnsemble's servers (the
// project's start script and probe, a JVM hosts file for the pods' FQDNs, kill by PID), but each
// with a static zoo.cfg that holds no member and points at a dynamic file instead, as
// zookeeperReconfig.md (apache/zookeeper release-3.8.0-1, zookeeper-docs) lays it out:
//   zoo.cfg: reconfigEnabled=true, standaloneEnabled=false (so one server runs the quorum code and
//   can grow), dynamicConfigFile=<a seed file>;   the seed: server.N lines only.
// Clients must authenticate with SASL DIGEST-MD5 (enforce.auth, as test/servers/sasl.test.ts sets it up);
// `super` is zookeeper.superUser, the only identity with write access to /zookeeper/config.
import * as fs from "fs";
import * as path from "path";
import { LocalEnsemble } from "./zk-ensemble";
import { PORTS } from "../components/zookeeper/options";
import { renderZooCfg } from "../components/zookeeper/zoocfg";
import { MemberSpec, memberLine } from "../zk/zk-config";
import { ZkClient } from "../zk/zk-client";

export const USERS = { super: "Super-Pa55", app: "App-Pa55" } as const;
export type User = keyof typeof USERS;

/** The seed dynamic file's name: no version suffix, so the server reads it as version 0 (QuorumPeerConfig.getVersionFromFilename). */
export const SEED_NAME = "zoo.cfg.dynamic";

export class ReconfigEnsemble {
  readonly zk: LocalEnsemble;

  /** `size` server slots (zk-0 ... zk-<size-1>, ids 1 ... size) on 127.0.0.<addressBase + ordinal>; none started. */
  constructor(size: number, addressBase: number) {
    this.zk = new LocalEnsemble({ replicas: size }, addressBase);
    const jaas = path.join(this.zk.root, "jaas.conf");
    const users = Object.entries(USERS).map(([u, p]) => `  user_${u}="${p}"`);
    fs.writeFileSync(jaas, `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${users.join("\n")};\n};\n`);
    this.zk.addJvmFlags(
      `-Djava.security.auth.login.config=${jaas}`,
      "-Dzookeeper.authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
      "-Dzookeeper.enforce.auth.enabled=true",
      "-Dzookeeper.enforce.auth.schemes=sasl",
      "-Dzookeeper.superUser=super",
    );
  }

  id(ordinal: number): number {
    return ordinal + 1;
  }

  ordinal(id: number): number {
    return id - 1;
  }

  /** A server as a member: its pod FQDN for the quorum and election ports, its own address for clients. */
  member(ordinal: number): MemberSpec {
    const s = this.zk.servers[ordinal];
    return {
      id: this.id(ordinal),
      host: s.fqdn,
      quorumPort: PORTS.server,
      electionPort: PORTS.leaderElection,
      clientHost: s.address,
      clientPort: PORTS.client,
    };
  }

  line(ordinal: number): string {
    return memberLine(this.member(ordinal));
  }

  /** Where a server's seed dynamic file lives: apart from zoo.cfg, to see where the server writes. */
  seedDir(ordinal: number): string {
    return path.join(path.dirname(this.zk.servers[ordinal].confDir), "seed");
  }

  confDir(ordinal: number): string {
    return this.zk.servers[ordinal].confDir;
  }

  /** The static zoo.cfg as the project renders it (no server lines), plus the reconfig settings. */
  staticConfig(ordinal: number): string {
    const s = this.zk.servers[ordinal];
    const rendered = renderZooCfg({
      serverFqdns: [],
      tunables: this.zk.settings.zookeeper,
      dataDir: s.dataDir,
      dataLogDir: path.join(s.dataDir, "log"),
      bindAddress: s.address,
      adminServerAddress: s.address,
    });
    return (
      rendered +
      ["reconfigEnabled=true", "standaloneEnabled=false", `dynamicConfigFile=${path.join(this.seedDir(ordinal), SEED_NAME)}`, ""].join("\n")
    );
  }

  /** Gives a server (before it starts) a fresh zoo.cfg and a seed dynamic file of these member lines; removes what a run left. */
  configure(ordinal: number, lines: string[]): void {
    const conf = this.confDir(ordinal);
    for (const f of fs.readdirSync(conf)) if (f.startsWith("zoo.cfg")) fs.rmSync(path.join(conf, f));
    fs.rmSync(this.seedDir(ordinal), { recursive: true, force: true });
    fs.mkdirSync(this.seedDir(ordinal));
    fs.writeFileSync(path.join(this.seedDir(ordinal), SEED_NAME), lines.join("\n") + "\n");
    fs.writeFileSync(path.join(conf, "zoo.cfg"), this.staticConfig(ordinal));
  }

  /** A session on some servers, authenticated as `user`; every call bounded. */
  open(ordinals: number[], user: User = "super", requestMs = 10000): Promise<ZkClient> {
    return ZkClient.open(this.zk.connect(ordinals), {
      // Generous: under the whole suite's load on 2 cores a connect has taken over 5 s (fresh-ci, 037997b).
      connectMs: 10000,
      requestMs,
      sessionTimeoutMs: 6000,
      sasl: { username: user, password: USERS[user] },
    });
  }

  async withClient<T>(ordinals: number[], fn: (c: ZkClient) => Promise<T>, user: User = "super"): Promise<T> {
    const c = await this.open(ordinals, user);
    try {
      return await fn(c);
    } finally {
      c.close();
    }
  }

  /** `mntr` of a server as key/value pairs. */
  async mntr(ordinal: number): Promise<Record<string, string>> {
    const text = await this.zk.fourLetterWord(ordinal, "mntr");
    return Object.fromEntries(
      text
        .split("\n")
        .map((l) => l.split("\t"))
        .filter((kv) => kv.length === 2),
    );
  }

  /** The files a server's configuration directory and seed directory hold, sorted. */
  files(ordinal: number): { conf: string[]; seed: string[] } {
    const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
    return { conf: list(this.confDir(ordinal)), seed: list(this.seedDir(ordinal)) };
  }
}
