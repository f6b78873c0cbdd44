// Runs an ensemble of real ZooKeeper servers on loopback, each from the project's own rendered
// zoo.cfg and start script, as a pod would run them. Server i binds 127.0.0.<base+i> (the same
// ports on each, as pods have), its FQDN resolves there through a JVM hosts file, and it gets its
// own data directory. Every process is killed by its PID in stop()/destroy().
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as net from "net";
import { spawn, ChildProcess, execFile } from "child_process";
import { resolveEnsemble, EnsembleOptions, ResolvedEnsemble, ZooKeeperTunables, PORTS } from "../components/zookeeper/options";
import { serverFqdns, serverHostnames } from "../components/zookeeper/names";
import { renderZooCfg } from "../components/zookeeper/zoocfg";
import { renderConfigFiles } from "../components/zookeeper/configmap";
import { renderStatefulSet } from "../components/zookeeper/statefulset";
import { START_SCRIPT, PROBE_SCRIPT } from "../components/zookeeper/scripts";
import { TLS_SCRIPT } from "../components/zookeeper/tls";
import type { TlsStage, MembershipMode } from "../components/zookeeper/transitions";
import { renderAuthSecret, CLIENT_AUTH_PATHS } from "../components/zookeeper/client-auth";
import type { ClientUser } from "../components/zookeeper/users";

/** With clientAuth: the super user's password (the component makes a random one). */
export const LOCAL_ADMIN_PASSWORD = "local-admin-Pa55word";
import { findZooKeeper, writeLauncher, logbackXml } from "./zookeeper-install";
import { renderSeedConfigMap, MEMBERSHIP_PATHS } from "../components/zookeeper/membership";
import { TestNetwork } from "./netns";
import { onInterrupt } from "./interrupt";
import { lockMachineResources } from "./machine-lock";

export interface Server {
  ordinal: number;
  hostname: string;
  fqdn: string;
  address: string;
  confDir: string;
  dataDir: string;
  log: string;
  process?: ChildProcess;
  /** With TLS: this server's Secret volume (tls.crt, tls.key, ca.crt), ZK_TLS_SECRET_DIR of zk-tls.sh. */
  tlsSecretDir?: string;
  /** With TLS: where zk-tls.sh builds keystore.pem and ca.pem (the pod's emptyDir), named in zoo.cfg. */
  tlsStoreDir?: string;
}

/** Why servers run as pods run them (read-only root, /tmp an emptyDir) cannot load jars kept under /tmp. */
export function hiddenJarsMessage(jar: string): string {
  return (
    `the ZooKeeper jars are under /tmp (${path.dirname(jar)}), which a server started as the pod starts it ` +
    "(read-only root, /tmp a fresh tmpfs) cannot see: set KZ_ZOOKEEPER_CACHE (or XDG_CACHE_HOME) to a folder outside /tmp and run npm run zookeeper"
  );
}

/** In a private mount namespace: $0 (the ensemble's files) stays writable, /tmp becomes a tmpfs, / read-only. */
const READ_ONLY_ROOT = 'mount --bind "$0" "$0" && mount -t tmpfs -o size=256m tmpfs /tmp && mount -o remount,bind,ro / && exec "$@"';

export class LocalEnsemble {
  readonly settings: ResolvedEnsemble;
  readonly servers: Server[];
  readonly root: string;
  private readonly env: Record<string, string>;

  private readonly adminOnPodLoopback: boolean;
  private readonly clientPortsAsInPod: boolean;
  private readonly serverEnv = new Map<number, Record<string, string>>();
  /** The JVM hosts file that maps each server's FQDN to its address (for clients run beside the servers). */
  readonly hostsFile: string;
  /** With dynamic membership: the seed ConfigMap's file (writeSeed fills it). */
  readonly seedFile: string;
  /** The harness's launcher directory: zkServer.sh and zkCli.sh with an env file that adds the missing jars. */
  readonly binDir: string;

  /**
   * `adminOnPodLoopback`: leave the AdminServer where a pod has it (127.0.0.1:8080) instead of on
   * the server's own address; only one such server can run on a host at a time.
   */
  private readonly network?: TestNetwork;
  private readonly readOnlyRoot: boolean;
  private readonly releaseLocks: () => void;
  /** Ctrl-C of the run: the servers (a TLS server's group is its own) and the files go. */
  /** Registered once the constructor has made everything destroy() removes. */
  private readonly forgetInterrupt: () => void;

  /**
   * `network`: run each server in its own network namespace of that test network (for partitions)
   * instead of on 127.0.0.<addressBase + i>.
   *
   * `clientPortsAsInPod`: render zoo.cfg's client ports exactly as for a pod (no bind address): with
   * TLS the plaintext port on 127.0.0.1 and the secure port on every address; only one such server
   * can run on a host at a time, and the probes then ask 127.0.0.1, as in the pod.
   *
   * With `options.tls` set, zoo.cfg carries the TLS lines and each server runs zk-tls.sh from its
   * own Secret volume (`tlsSecretDir`, which the test fills) into its own store directory.
   */
  constructor(
    private readonly options: EnsembleOptions & { replicas: number },
    addressBase = 10,
    {
      adminOnPodLoopback = false,
      network,
      readOnlyRoot = false,
      clientPortsAsInPod = false,
    }: { adminOnPodLoopback?: boolean; network?: TestNetwork; readOnlyRoot?: boolean; clientPortsAsInPod?: boolean } = {},
  ) {
    // Refused before anything is taken or written.
    const install = findZooKeeper();
    // The sandbox's tmpfs hides everything under /tmp from the servers, the jars included.
    if (readOnlyRoot && install.jars.some((jar) => jar === "/tmp" || jar.startsWith("/tmp/"))) {
      throw new Error(hiddenJarsMessage(install.jars[0]));
    }
    // Before anything binds: no other test run on this machine uses these addresses meanwhile.
    this.releaseLocks = lockMachineResources(
      [
        ...(network ? [network.lockName] : Array.from({ length: options.replicas }, (_, i) => `127.0.0.${addressBase + i}`)),
        ...(clientPortsAsInPod ? ["127.0.0.1:2181"] : []),
        ...(adminOnPodLoopback ? ["127.0.0.1:8080"] : []),
      ],
      "ZooKeeper test servers",
    );
    let madeRoot: string | undefined;
    try {
      this.network = network;
      this.clientPortsAsInPod = clientPortsAsInPod;
      this.adminOnPodLoopback = adminOnPodLoopback;
      // The servers' files do not depend on rollOrder (ordinal: no roll Job to render).
      this.settings = resolveEnsemble({ rollOrder: "ordinal", ...options });
      this.readOnlyRoot = readOnlyRoot;
      // Under a read-only root, /tmp is a fresh tmpfs (the pod's emptyDir): the files live elsewhere.
      this.root = madeRoot = fs.mkdtempSync(path.join(readOnlyRoot ? "/var/tmp" : os.tmpdir(), "kz-ensemble-"));
      const s = this.settings;
      const fqdns = serverFqdns(s.names, s.namespace, s.clusterDomain, s.replicas);
      const files = renderConfigFiles(s);
      const hosts = [`127.0.0.1 localhost ${os.hostname()}`];

      // The release's launcher, beside the zkEnv.sh the harness writes for the fetched jars
      // (zookeeper-install.ts), with a writable log directory and logback.xml in its ZOOCFGDIR.
      const bin = path.join(this.root, "bin");
      this.binDir = bin;
      this.hostsFile = path.join(this.root, "hosts");
      this.seedFile = path.join(this.root, "seed");
      fs.mkdirSync(bin);
      writeLauncher(install, bin, { confDir: path.join(this.root, "conf"), logDir: path.join(this.root, "logs") });
      // getent answers from the harness's hosts file, as a pod's resolver answers from /etc/hosts and DNS.
      fs.writeFileSync(
        path.join(bin, "getent"),
        `#!/usr/bin/env bash\n[ "$1" = hosts ] || exec /usr/bin/getent "$@"\nawk -v name="$2" '$2 == name { print $1 "\\t" $2; found = 1 } END { exit !found }' "${path.join(this.root, "hosts")}"\n`,
        { mode: 0o755 },
      );

      this.servers = serverHostnames(s.names, s.replicas).map((hostname, ordinal) => {
        const address = network ? network.addressOf(ordinal) : `127.0.0.${addressBase + ordinal}`;
        const dir = path.join(this.root, hostname);
        const confDir = path.join(dir, "conf");
        const dataDir = path.join(dir, "data");
        fs.mkdirSync(confDir, { recursive: true });
        fs.writeFileSync(path.join(confDir, START_SCRIPT), files[START_SCRIPT], { mode: 0o555 });
        fs.writeFileSync(path.join(confDir, PROBE_SCRIPT), files[PROBE_SCRIPT], { mode: 0o555 });
        hosts.push(`${address} ${fqdns[ordinal]}`);
        const server: Server = { ordinal, hostname, fqdn: fqdns[ordinal], address, confDir, dataDir, log: path.join(dir, "server.log") };
        if (s.tls) {
          fs.writeFileSync(path.join(confDir, TLS_SCRIPT), files[TLS_SCRIPT], { mode: 0o555 });
          server.tlsSecretDir = path.join(dir, "tls-secret");
          server.tlsStoreDir = path.join(dir, "tls-store");
          // What the pod gets from its mounts (the Secret at TLS_PATHS.secretMount, the emptyDir at TLS_PATHS.storeDir).
          this.serverEnv.set(ordinal, { ZK_TLS_SECRET_DIR: server.tlsSecretDir, ZK_TLS_STORE_DIR: server.tlsStoreDir });
        }
        if (s.membership === "dynamic") {
          // The pod's live configuration directory is on its data volume; joining servers ask every server.
          this.serverEnv.set(ordinal, {
            ...this.serverEnv.get(ordinal),
            ZK_LIVE_CONF_DIR: path.join(dir, "live"),
            ZK_SEED_FILE: this.seedFile,
            ZK_JOIN_ENDPOINTS: fqdns
              .map((_, i) => `${network ? network.addressOf(i) : `127.0.0.${addressBase + i}`}:${PORTS.client}`)
              .join(" "),
          });
        }
        if (s.clientAuth || s.membership === "dynamic") {
          // The JAAS Secret's file, rendered as the component renders it, where the pod mounts it.
          const authDir = path.join(dir, "auth-secret");
          fs.mkdirSync(authDir);
          const secret = renderAuthSecret(s, (options.clientAuth?.users ?? []) as ClientUser[], LOCAL_ADMIN_PASSWORD);
          fs.writeFileSync(path.join(authDir, CLIENT_AUTH_PATHS.file), secret.stringData[CLIENT_AUTH_PATHS.file], { mode: 0o440 });
          this.serverEnv.set(ordinal, { ...this.serverEnv.get(ordinal), ZK_AUTH_DIR: authDir });
        }
        return server;
      });
      for (const server of this.servers) this.writeZooCfg(server.ordinal, s.zookeeper);
      fs.writeFileSync(path.join(this.root, "hosts"), hosts.join("\n") + "\n");

      // The container's own environment, as the StatefulSet renders it.
      const podEnv = renderStatefulSet(s, "zk-config").spec.template.spec.containers[0].env;
      this.env = {
        ...Object.fromEntries(podEnv.map((e) => [e.name, e.value])),
        PATH: `${bin}:${process.env.PATH}`,
        JVMFLAGS: `-Djdk.net.hosts.file=${path.join(this.root, "hosts")}`,
      };
    } catch (e) {
      // A refusal (options the component refuses, say) leaves no lock, folder or handler behind.
      this.releaseLocks();
      if (madeRoot) fs.rmSync(madeRoot, { recursive: true, force: true });
      throw e;
    }
    this.forgetInterrupt = onInterrupt(() => this.destroy());
  }

  /**
   * Rewrites a server's JAAS file (its auth Secret volume) with `users` beside the super user, as
   * the component renders it: read at the server's next start, as a rolled pod mounts the new Secret.
   */
  writeAuthFile(ordinal: number, users: ClientUser[]): void {
    this.writeAuthFileContent(ordinal, renderAuthSecret(this.settings, users, LOCAL_ADMIN_PASSWORD).stringData[CLIENT_AUTH_PATHS.file]);
  }

  /** Rewrites a server's JAAS file with this text (a Secret's, as the API server holds it). */
  writeAuthFileContent(ordinal: number, jaas: string): void {
    const file = path.join(this.root, this.servers[ordinal].hostname, "auth-secret", CLIENT_AUTH_PATHS.file);
    fs.rmSync(file, { force: true });
    fs.writeFileSync(file, jaas, { mode: 0o440 });
  }

  /**
   * Writes a server's zoo.cfg from the project's renderer: the pod's file, but for the data
   * directory and the bind address of this host. A new file takes effect when the server restarts,
   * as a rolled pod gets the new ConfigMap.
   *
   * `tlsStage` (an ensemble made with `tls` only): the file of that stage of turning TLS on
   * (transitions.ts), `off` without any TLS line, as configmap.ts renders each; without it, the TLS
   * lines of renderZooCfg's default stage (`on`).
   */
  writeZooCfg(ordinal: number, tunables: ZooKeeperTunables, tlsStage?: TlsStage): void {
    const s = this.settings;
    const server = this.servers[ordinal];
    writeZooCfgFile(
      server.confDir,
      renderZooCfg({
        serverFqdns: serverFqdns(s.names, s.namespace, s.clusterDomain, s.replicas),
        tunables,
        dataDir: server.dataDir,
        dataLogDir: path.join(server.dataDir, "log"),
        bindAddress: this.clientPortsAsInPod ? undefined : server.address,
        adminServerAddress: this.adminOnPodLoopback ? undefined : server.address,
        tls:
          server.tlsStoreDir && tlsStage !== "off"
            ? { storeDir: server.tlsStoreDir, ...(tlsStage !== undefined ? { stage: tlsStage } : {}) }
            : undefined,
        clientAuth: s.clientAuth,
        membership: s.membership,
        metrics: s.metrics,
        tenants: (s.tenants?.length ?? 0) > 0,
      }),
      server.address,
    );
  }

  /**
   * Gives a server the files of the other membership mode (before its next start), as a roll to a new
   * ConfigMap does: `static` with a server list of `replicas` servers, or `dynamic` (this ensemble's).
   */
  writeMembershipFiles(ordinal: number, mode: MembershipMode, replicas: number): void {
    const settings = resolveEnsemble({ rollOrder: "ordinal", ...this.options, replicas, membership: mode });
    const server = this.servers[ordinal];
    fs.writeFileSync(path.join(server.confDir, START_SCRIPT), renderConfigFiles(settings)[START_SCRIPT], { mode: 0o555 });
    writeZooCfgFile(
      server.confDir,
      renderZooCfg({
        serverFqdns: serverFqdns(settings.names, settings.namespace, settings.clusterDomain, replicas),
        tunables: settings.zookeeper,
        dataDir: server.dataDir,
        dataLogDir: path.join(server.dataDir, "log"),
        bindAddress: server.address,
        adminServerAddress: server.address,
        clientAuth: settings.clientAuth,
        membership: mode,
        metrics: settings.metrics,
        tenants: (settings.tenants?.length ?? 0) > 0,
      }),
      server.address,
    );
  }

  /** With dynamic membership: the seed of servers 1..count, as renderSeedConfigMap renders it. */
  writeSeed(count: number): void {
    const seed = renderSeedConfigMap(this.settings, count, (i) => this.plaintextAddress(i));
    fs.writeFileSync(this.seedFile, seed.data[MEMBERSHIP_PATHS.seedFile]);
  }

  /** With dynamic membership: a server's live configuration directory (the pod's data volume). */
  liveConfDir(ordinal: number): string {
    return this.serverEnv.get(ordinal)!.ZK_LIVE_CONF_DIR;
  }

  /** Adds JVM system properties (e.g. `-Dznode.container.checkIntervalMs=500`) to servers started from now on. */
  addJvmFlags(...flags: string[]): void {
    this.env.JVMFLAGS = [this.env.JVMFLAGS, ...flags].join(" ");
  }

  /** Sets loggers' levels (e.g. `{ "org.apache.zookeeper.common.X509Util": "DEBUG" }`) for JVMs started from now on. */
  setLogLevels(levels: Record<string, string>): void {
    fs.writeFileSync(path.join(this.root, "conf", "logback.xml"), logbackXml(levels));
  }

  /** Sets environment variables of one server's start script (e.g. ZK_TLS_WATCH_SECONDS) from its next start. */
  setServerEnv(ordinal: number, env: Record<string, string>): void {
    this.serverEnv.set(ordinal, { ...this.serverEnv.get(ordinal), ...env });
  }

  /** Where a server's plaintext client port listens: its own address, or the pod's loopback. */
  plaintextAddress(ordinal: number): string {
    return this.clientPortsAsInPod ? "127.0.0.1" : this.servers[ordinal].address;
  }

  /** The client connection string of some servers (all by default). */
  connect(ordinals = this.servers.map((s) => s.ordinal)): string {
    return ordinals.map((i) => `${this.plaintextAddress(i)}:${PORTS.client}`).join(",");
  }

  start(ordinals = this.servers.map((s) => s.ordinal)): void {
    for (const i of ordinals) {
      const server = this.servers[i];
      if (server.process && running(server.process)) throw new Error(`${server.hostname} is already running`);
      const out = fs.openSync(server.log, "a");
      // `ip netns exec` execs the command: the PID stays the server's, as in a pod.
      // As a pod with readOnlyRootFilesystem: the root read-only, the data writable, /tmp an emptyDir.
      const readOnly = this.readOnlyRoot ? ["unshare", "--mount", "--propagation", "private", "sh", "-c", READ_ONLY_ROOT, this.root] : [];
      const [command, ...prefix] = [...(this.network?.wrap(i) ?? []), ...readOnly, "bash"];
      server.process = spawn(command, [...prefix, path.join(server.confDir, START_SCRIPT)], {
        env: { ...process.env, ...this.env, ...this.serverEnv.get(i), HOSTNAME: server.hostname, POD_IP: server.address },
        stdio: ["ignore", out, out],
        // With TLS the start script leaves zk-tls.sh's watch loop behind the JVM; in a pod it dies with
        // the container's PID namespace, here with the server's own process group (see stopOne).
        detached: this.settings.tls !== undefined,
      });
      fs.closeSync(out);
    }
  }

  isRunning(ordinal: number): boolean {
    const child = this.servers[ordinal].process;
    return child !== undefined && running(child);
  }

  /** Exactly these servers running: the others stopped, these started if they were not. */
  async runOnly(ordinals: number[]): Promise<void> {
    await this.stop(this.servers.map((s) => s.ordinal).filter((i) => !ordinals.includes(i)));
    this.start(ordinals.filter((i) => !this.isRunning(i)));
  }

  /** Every server running and ready: a test's starting point that no earlier test can spoil. */
  async allServing(ms = 60000): Promise<void> {
    await this.runOnly(this.servers.map((s) => s.ordinal));
    await this.waitReady(undefined, ms);
  }

  /** Stops servers by PID (SIGTERM as a pod deletion, SIGKILL as a crash) and waits, bounded, for them to exit. */
  async stop(ordinals = this.servers.map((s) => s.ordinal), signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    await Promise.all(ordinals.map((i) => this.stopOne(this.servers[i], signal)));
  }

  private async stopOne(server: Server, signal: NodeJS.Signals): Promise<void> {
    const child = server.process;
    if (!child || !running(child)) return;
    const exited = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 15000);
    await exited;
    clearTimeout(timer);
    if (this.settings.tls !== undefined && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // the group is already gone
      }
    }
  }

  /** Kills every server and removes every file of the ensemble. */
  async destroy(): Promise<void> {
    await this.stop(undefined, "SIGKILL");
    fs.rmSync(this.root, { recursive: true, force: true });
    this.forgetInterrupt();
    this.releaseLocks();
  }

  /** Sends a four-letter word to a server; resolves with its answer ("" when none came within the bound). */
  fourLetterWord(ordinal: number, word: string, ms = 3000): Promise<string> {
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(PORTS.client, this.plaintextAddress(ordinal));
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(Buffer.concat(chunks).toString());
      };
      const timer = setTimeout(finish, ms);
      socket.on("connect", () => socket.write(word));
      socket.on("data", (d) => chunks.push(d));
      socket.on("end", finish);
      socket.on("error", finish);
    });
  }

  async mode(ordinal: number): Promise<string | undefined> {
    return /^Mode: (\w+)$/m.exec(await this.fourLetterWord(ordinal, "srvr"))?.[1];
  }

  /** Runs a command where the server's own processes run: its network namespace, if it has one. */
  private inside(ordinal: number, args: string[], env: Record<string, string> = {}): Promise<{ ok: boolean; output: string }> {
    const [command, ...rest] = [...(this.network?.wrap(ordinal) ?? []), ...args];
    return new Promise((resolve) => {
      execFile(command, rest, { env: { ...process.env, ...env }, timeout: 10000 }, (err, stdout) => resolve({ ok: !err, output: stdout }));
    });
  }

  /** Runs the rendered probe script against a server, as the kubelet would in its pod. */
  probe(ordinal: number, check: "live" | "ready"): Promise<{ ok: boolean; output: string }> {
    // The kubelet runs a probe in the container, with the container's environment.
    return this.inside(ordinal, ["bash", path.join(this.servers[ordinal].confDir, PROBE_SCRIPT), check], {
      ...this.env,
      ...this.serverEnv.get(ordinal),
      ZK_PROBE_HOST: this.plaintextAddress(ordinal),
    });
  }

  /** The server's mode as seen from its own pod: reachable even when a partition cuts it off from clients. */
  async modeInside(ordinal: number): Promise<string | undefined> {
    const ask = `exec 3<>/dev/tcp/${this.plaintextAddress(ordinal)}/${PORTS.client}; printf srvr >&3; cat <&3`;
    const { output } = await this.inside(ordinal, ["timeout", "3", "bash", "-c", ask]);
    return /^Mode: (\w+)$/m.exec(output)?.[1] ?? (output.includes("not currently serving") ? "not serving" : undefined);
  }

  async leaders(ordinals = this.servers.map((s) => s.ordinal)): Promise<number[]> {
    const modes = await Promise.all(ordinals.map((i) => this.mode(i)));
    return ordinals.filter((_, k) => modes[k] === "leader");
  }

  /** Polls until `check` holds; on timeout fails with what was awaited and each server's log tail. */
  async waitFor(what: string, check: () => Promise<boolean>, ms = 60000): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out after ${ms} ms waiting for ${what}\n${this.logTails()}`);
  }

  async waitReady(ordinals = this.servers.map((s) => s.ordinal), ms = 60000): Promise<void> {
    await this.waitFor(
      `servers ${ordinals.map((i) => this.servers[i].hostname).join(", ")} to be ready`,
      async () => (await Promise.all(ordinals.map((i) => this.probe(i, "ready")))).every((r) => r.ok),
      ms,
    );
  }

  logTails(lines = 15): string {
    return this.servers
      .map((s) => {
        const text = fs.existsSync(s.log) ? fs.readFileSync(s.log, "utf8").trimEnd().split("\n").slice(-lines).join("\n") : "(no log)";
        return `--- ${s.hostname} (${s.address}) log tail:\n${text}`;
      })
      .join("\n");
  }
}

/**
 * Writes a rendered zoo.cfg, its exporter on the server's own address: a pod's listens on 0.0.0.0
 * (metricsZooCfgLines), which only one server of a host could bind, and which would also take port
 * 7000 on every address from the other suites' servers. Only the host changes; the port, 7000, is
 * the pod's.
 */
function writeZooCfgFile(confDir: string, zooCfg: string, address: string): void {
  fs.writeFileSync(path.join(confDir, "zoo.cfg"), zooCfg.replace(/^metricsProvider\.httpHost=.*$/m, `metricsProvider.httpHost=${address}`));
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
