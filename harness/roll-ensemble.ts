// An ensemble on loopback rolled the way `pulumi up` rolls it with rollOrder leader-last: the
// StatefulSet (updateStrategy OnDelete) takes a new pod template and restarts nothing; the
// orchestrator (zk/roll.ts, the roll Job's code) deletes pods one at a time; the controller recreates
// a deleted pod at the update revision. Here a "pod" is a LocalEnsemble server running the rendered
// zoo.cfg and start script; a new template is a new zoo.cfg (maxClientCnxns carries the revision, a
// change that rolls and changes nothing else); deleting a pod stops its server with SIGTERM (as the
// kubelet does) and the controller's part starts it again from the new files, in the background, as
// a real deletion goes on after the API call returns. Ready is the rendered readiness probe.
import * as http from "http";
import { AddressInfo } from "net";
import { LocalEnsemble } from "./zk-ensemble";
import { PORTS, EnsembleOptions } from "../components/zookeeper/options";
import { PodState, RollCluster, RollRun } from "../zk/roll";
import { POD_REVISION_LABEL, ROLL_ENV } from "../zk/facts/roll-env";
import { OPEN_ACL, ZkClient } from "../zk/zk-client";
import type { TlsStage } from "../components/zookeeper/transitions";

export class RollEnsemble {
  readonly zk: LocalEnsemble;
  /** The StatefulSet's update revision. */
  revision = 1;
  /**
   * With `tls`: the TLS stage of the template (what a server gets at its next start); undefined,
   * renderZooCfg's default (`on`). A stage change is a template change (changeTemplate).
   */
  tlsStage?: TlsStage;
  /** Each pod's revision. */
  readonly podRevision: number[];
  private readonly terminating = new Set<number>();
  private readonly absent = new Set<number>();
  /** The controller's recreations under way. */
  private readonly recreations = new Set<Promise<void>>();
  readonly lines: string[] = [];

  constructor(
    readonly replicas: number,
    addressBase: number,
    options: Omit<EnsembleOptions, "replicas"> = {},
  ) {
    this.zk = new LocalEnsemble({ ...options, replicas }, addressBase);
    this.podRevision = Array.from({ length: replicas }, () => 1);
  }

  /** `pulumi up` with a new pod template: the StatefulSet's update revision changes; with OnDelete no pod restarts. */
  changeTemplate(): void {
    this.revision++;
  }

  /** What server `ordinal` is started with at `revision`: the rendered zoo.cfg, maxClientCnxns carrying the revision. */
  private writeFiles(ordinal: number, revision: number): void {
    this.zk.writeZooCfg(
      ordinal,
      {
        ...this.zk.settings.zookeeper,
        maxClientCnxns: this.zk.settings.zookeeper.maxClientCnxns + revision - 1,
      },
      this.tlsStage,
    );
  }

  /** The Kubernetes part of the roll, emulated. */
  readonly cluster: RollCluster = {
    pods: async () => ({
      settled: true,
      pods: await Promise.all(
        Array.from({ length: this.replicas }, async (_, ordinal): Promise<PodState> => {
          const phase = this.absent.has(ordinal) ? "absent" : this.terminating.has(ordinal) ? "terminating" : "running";
          const ready = phase === "running" && this.zk.isRunning(ordinal) && (await this.zk.probe(ordinal, "ready")).ok;
          return { ordinal, phase, ready, updated: this.podRevision[ordinal] === this.revision };
        }),
      ),
    }),
    deletePod: async (ordinal) => {
      if (this.terminating.has(ordinal) || this.absent.has(ordinal)) return;
      this.terminating.add(ordinal);
      const recreation = (async () => {
        await this.zk.stop([ordinal], "SIGTERM");
        this.terminating.delete(ordinal);
        this.absent.add(ordinal);
        this.writeFiles(ordinal, this.revision);
        this.podRevision[ordinal] = this.revision;
        this.absent.delete(ordinal);
        this.zk.start([ordinal]);
      })();
      this.recreations.add(recreation);
      void recreation.finally(() => this.recreations.delete(recreation));
    },
  };

  /** The orchestrator's settings against this ensemble. */
  run(overrides: Partial<RollRun> = {}): RollRun {
    return {
      cluster: this.cluster,
      replicas: this.replicas,
      hostOf: (i) => this.zk.plaintextAddress(i),
      clientPort: PORTS.client,
      waitMs: 60000,
      pollMs: 250,
      log: (line) => this.lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`),
      ...overrides,
    };
  }

  /**
   * A stand-in API server in front of the emulated StatefulSet, for the roll Job's own Kubernetes
   * client (zk/roll-kube.ts): the StatefulSet `zk` in namespace `ns` (generation and observed
   * generation equal, updateRevision `zk-r<revision>`), its pods with their revision label, Ready
   * condition and deletion, and pod deletion. Only what the job asks; anything else is 404.
   */
  async serveApi({
    tlsCaFile,
  }: {
    /**
     * The Job's environment with TLS, as rendered at tls stage prefer and on: the secure client port,
     * this CA file (ZK_TLS_CA_FILE), and the servers' real FQDNs (which their certificates name),
     * mapped to their loopback addresses by ZK_ROLL_HOSTS.
     */
    tlsCaFile?: string;
  } = {}): Promise<{ url: string; env: Record<string, string>; close: () => Promise<void> }> {
    const server = http.createServer((req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url!, "http://x");
      const answer = async () => {
        if (req.method === "GET" && url.pathname === "/apis/apps/v1/namespaces/ns/statefulsets/zk") {
          return send(200, {
            metadata: { name: "zk", generation: this.revision },
            status: { observedGeneration: this.revision, updateRevision: `zk-r${this.revision}` },
          });
        }
        if (req.method === "GET" && url.pathname === "/api/v1/namespaces/ns/pods") {
          const { pods } = await this.cluster.pods();
          return send(200, {
            items: pods
              .filter((p) => p.phase !== "absent")
              .map((p) => ({
                metadata: {
                  name: `zk-${p.ordinal}`,
                  labels: { [POD_REVISION_LABEL]: `zk-r${this.podRevision[p.ordinal]}` },
                  ...(p.phase === "terminating" ? { deletionTimestamp: new Date().toISOString() } : {}),
                },
                status: { conditions: [{ type: "Ready", status: p.ready ? "True" : "False" }] },
              })),
          });
        }
        const del = /^\/api\/v1\/namespaces\/ns\/pods\/zk-(\d+)$/.exec(url.pathname);
        if (req.method === "DELETE" && del) {
          await this.cluster.deletePod(Number(del[1]));
          return send(200, { kind: "Pod" });
        }
        send(404, { kind: "Status", message: "not found" });
      };
      answer().catch((e) => send(500, { kind: "Status", message: String(e) }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s = this.zk.settings;
    const domain = tlsCaFile === undefined ? "servers.invalid" : `${s.names.headlessService}.${s.namespace}.svc.${s.clusterDomain}`;
    const env = {
      [ROLL_ENV.statefulSet]: "zk",
      [ROLL_ENV.namespace]: "ns",
      [ROLL_ENV.replicas]: String(this.replicas),
      [ROLL_ENV.selector]: "app=zk",
      [ROLL_ENV.serversDomain]: domain,
      [ROLL_ENV.clientPort]: String(tlsCaFile === undefined ? PORTS.client : PORTS.secureClient),
      [ROLL_ENV.waitSeconds]: "60",
      [ROLL_ENV.hosts]: Array.from(
        { length: this.replicas },
        (_, i) => `zk-${i}.${domain}=${tlsCaFile === undefined ? this.zk.plaintextAddress(i) : this.zk.servers[i].address}`,
      ).join(","),
      ...(tlsCaFile === undefined ? {} : { [ROLL_ENV.tlsCaFile]: tlsCaFile }),
    };
    return { url, env, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  /** Waits for the controller's recreations under way (a test's end, or after a killed orchestrator). */
  async settle(): Promise<void> {
    await Promise.all([...this.recreations]);
  }

  /** Every server started at the current revision, all Ready. */
  async deploy(ms = 60000): Promise<void> {
    // Dynamic membership: a new ensemble forms from the seed (later starts read the live configuration).
    if (this.zk.settings.membership === "dynamic") this.zk.writeSeed(this.replicas);
    for (let i = 0; i < this.replicas; i++) {
      this.writeFiles(i, this.revision);
      this.podRevision[i] = this.revision;
    }
    await this.zk.allServing(ms);
  }

  /** Each server's epoch (zxid >> 32) and mode, by `srvr`. */
  async srvr(ordinal: number): Promise<{ mode?: string; epoch?: number }> {
    const text = await this.zk.fourLetterWord(ordinal, "srvr");
    const zxid = /^Zxid: (0x[0-9a-f]+)$/m.exec(text)?.[1];
    return { mode: /^Mode: (\w+)$/m.exec(text)?.[1], epoch: zxid === undefined ? undefined : Number(BigInt(zxid) >> 32n) };
  }

  async leader(): Promise<number | undefined> {
    const leaders = await this.zk.leaders();
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  /**
   * Makes `target` the leader, by ZooKeeper's own rule (FastLeaderElection prefers the higher
   * epoch, then zxid, then server id): a quorum A with the target and the current leader runs while
   * the others are stopped and a few writes commit on A; then A's other members stop and the stopped
   * servers (lacking those writes) come back beside the target, which now has the newest zxid and
   * wins; then the rest of A returns as followers.
   */
  async makeLeader(target: number, write: () => Promise<void>, ms = 60000): Promise<void> {
    const current = await this.leader();
    if (current === target) return;
    const quorum = Math.floor(this.replicas / 2) + 1;
    const all = Array.from({ length: this.replicas }, (_, i) => i);
    const a = [...new Set([target, ...(current === undefined ? [] : [current]), ...all])].slice(0, quorum);
    const others = all.filter((i) => !a.includes(i));
    await this.zk.stop(others);
    await this.zk.waitFor("a leader among the quorum left", async () => (await this.leader()) !== undefined, ms);
    await write();
    await this.zk.stop(a.filter((i) => i !== target));
    this.zk.start(others);
    await this.zk.waitFor(`zk-${target} to lead`, async () => (await this.zk.mode(target)) === "leader", ms);
    this.zk.start(a.filter((i) => i !== target));
    await this.zk.waitReady(undefined, ms);
  }
}

/** A few writes committed through `ordinal`: what makeLeader needs to give it the newest zxid. */
export async function writeThrough(e: RollEnsemble, ordinal: number, root: string): Promise<void> {
  const client = await ZkClient.open(e.zk.connect([ordinal]), { connectMs: 5000, requestMs: 5000, sessionTimeoutMs: 6000 });
  try {
    await client.createNode(root, null, OPEN_ACL).catch(() => undefined);
    for (let i = 0; i < 3; i++) await client.createNode(`${root}/n`, null, OPEN_ACL, "persistent-sequential").catch(() => undefined);
  } finally {
    client.close();
  }
}
