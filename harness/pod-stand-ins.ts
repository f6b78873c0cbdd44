// What a kubelet does for the pods of one namespace, where no container runs (the cluster tier's kwok
// nodes), for the two kinds of pod the program makes:
// - a server pod (zk-<i>) is a LocalEnsemble server: started when its pod is bound to a node, with
//   what the pod mounts as the API server holds it (the JAAS Secret's file, the TLS Secret's files,
//   and zoo.cfg at the TLS stage of the pod's ConfigMap), stopped (SIGTERM, as the kubelet stops a
//   container) when the pod is deleted, before the deletion is confirmed (kwok leaves it to us:
//   kwok-stages.ts), and started again for the pod that replaces it;
// - a Job's pod running the jobs bundle runs that code, as the API server holds it in the pod's
//   ConfigMap, with the pod's environment (its Secret and field references resolved), its volumes,
//   a token of its ServiceAccount bound to the pod (so the API server's RBAC judges its requests),
//   the servers' names in its /etc/hosts, a read-only root and the pod's user; its exit code
//   completes the pod (Succeeded or Failed), which kwok leaves to us (kwok-stages.ts).
// Everything it starts is stopped by stop(), also on Ctrl-C; every wait is bounded.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { V1Pod } from "@kubernetes/client-node";
import type { ControlPlane } from "./control-plane";
import type { LocalEnsemble } from "./zk-ensemble";
import { JOBS_CODE_PATH } from "./kwok-stages";
import { onInterrupt } from "./interrupt";
import { SecretVolume } from "./tls-certs";
import { CLIENT_AUTH_PATHS } from "../components/zookeeper/client-auth";
import { TLS_PATHS } from "../components/zookeeper/tls";
import { CONFIG_MOUNT } from "../components/zookeeper/scripts";
import type { TlsStage } from "../components/zookeeper/transitions";

type K8s = typeof import("@kubernetes/client-node");
type CoreApi = InstanceType<K8s["CoreV1Api"]>;

/** A Job's code runs at most this long (the program's Jobs bound their own waits well below it). */
const JOB_RUN_MS = 10 * 60 * 1000;
const POLL_MS = 250;

export interface JobRun {
  pod: string;
  /** The bundle's job: backup, membership, tenants, roll. */
  job: string;
  exitCode: number | null;
  output: string;
  /** The environment the code ran with (Secrets resolved). */
  env: Record<string, string>;
}

/** The pod's fields a fieldRef may name, as the kubelet reads them. */
function podFields(pod: V1Pod): Record<string, string | undefined> {
  return {
    "metadata.name": pod.metadata!.name,
    "metadata.namespace": pod.metadata!.namespace,
    "metadata.uid": pod.metadata!.uid,
    "spec.nodeName": pod.spec!.nodeName,
    "spec.serviceAccountName": pod.spec!.serviceAccountName,
  };
}

/** The TLS stage a rendered zoo.cfg is at, read back from its lines (components/zookeeper/tls.ts, tlsZooCfgLines). */
export function tlsStageOf(zooCfg: string): TlsStage {
  if (!/^secureClientPort=/m.test(zooCfg)) return "off";
  if (/^sslQuorum=false$/m.test(zooCfg)) return "accept";
  return /^portUnification=true$/m.test(zooCfg) ? "prefer" : "on";
}

/** The last `max` bytes of a text. */
function tailBytes(text: string, max: number): string {
  const bytes = Buffer.from(text, "utf8");
  return bytes.length <= max ? text : bytes.subarray(bytes.length - max).toString("utf8");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Mounts, hosts file and user for the code, then the code itself: in a mount namespace of its own,
 * so nothing of this is seen by the host. $0: the hosts file; $1: uid; $2: gid; then pairs of
 * (source, mount path) up to "--", then the command.
 */
const POD_SANDBOX = [
  "set -e",
  'hosts="$0"; uid="$1"; gid="$2"; shift 2',
  "mount -t tmpfs -o size=16m,mode=755 tmpfs /opt",
  "mount -t tmpfs -o size=16m,mode=755 tmpfs /run",
  // /etc stays the host's, read-only, with the pod's mounts (e.g. /etc/zookeeper-ca) on an overlay.
  "mkdir /run/.etc-upper /run/.etc-work",
  "mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/.etc-upper,workdir=/run/.etc-work /etc",
  'while [ "$1" != "--" ]; do mkdir -p "$2"; mount --bind "$1" "$2"; mount -o remount,bind,ro "$2"; shift 2; done; shift',
  'mount --bind "$hosts" /etc/hosts',
  "mount -o remount,bind,ro /",
  'exec setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"',
].join("\n");

export class PodStandIns {
  /** What it did, in order; each also printed as it happens (a long up shows where it is). */
  readonly events: string[] = [];
  readonly jobRuns: JobRun[] = [];
  /** The pod uid each server runs for. */
  private readonly serving: (string | undefined)[];
  private readonly jobs = new Map<string, ChildProcess>();
  private readonly handled = new Set<string>();
  private readonly runs = new Set<Promise<void>>();
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly forgetInterrupt: () => void;

  private constructor(
    private readonly core: CoreApi,
    private readonly namespace: string,
    private readonly api: { host: string; port: string; caPem: string },
    private readonly zk: LocalEnsemble | undefined,
    private readonly dir: string,
  ) {
    this.serving = (zk?.servers ?? []).map(() => undefined);
    this.forgetInterrupt = onInterrupt(() => this.kill());
  }

  /** Starts standing in for the pods of `namespace` on the plane (the servers: `zk`'s, by their hostnames). */
  static async start(plane: ControlPlane, namespace: string, zk?: LocalEnsemble): Promise<PodStandIns> {
    const k8s = await import("@kubernetes/client-node");
    const config = new k8s.KubeConfig();
    config.loadFromString(await plane.kubeconfig());
    const cluster = config.getCurrentCluster()!;
    const url = new URL(cluster.server);
    const caPem = Buffer.from(cluster.caData!, "base64").toString("utf8");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-pods-"));
    fs.chmodSync(dir, 0o755);
    const standIns = new PodStandIns(
      config.makeApiClient(k8s.CoreV1Api),
      namespace,
      { host: url.hostname, port: url.port, caPem },
      zk,
      dir,
    );
    standIns.loop = standIns.poll();
    return standIns;
  }

  private event(line: string): void {
    this.events.push(line);
    console.log(`      (pods) ${line}`);
  }

  /** The Job runs of a job, in the order they ended. */
  runsOf(job: string): JobRun[] {
    return this.jobRuns.filter((r) => r.job === job);
  }

  /** Stops standing in: the Jobs' processes are killed; the servers stay for the caller's LocalEnsemble to stop. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    this.kill();
    await Promise.all([...this.runs]);
    fs.rmSync(this.dir, { recursive: true, force: true });
    this.forgetInterrupt();
  }

  private kill(): void {
    for (const child of this.jobs.values()) child.kill("SIGKILL");
  }

  private async poll(): Promise<void> {
    let lastError = "";
    while (!this.stopped) {
      try {
        await this.reconcile();
        lastError = "";
      } catch (e) {
        // The API server restarting or a namespace being deleted: said once, tried again.
        const message = `stand-in: ${(e as Error).message}`;
        if (message !== lastError) this.event(message);
        lastError = message;
      }
      await sleep(POLL_MS);
    }
  }

  private async reconcile(): Promise<void> {
    const pods = (await this.core.listNamespacedPod({ namespace: this.namespace })).items;
    const live = (p: V1Pod) => !p.metadata?.deletionTimestamp;
    for (const server of this.zk?.servers ?? []) {
      const deleted = pods.find((p) => p.metadata?.name === server.hostname && !live(p));
      if (deleted) {
        // A graceful deletion: the containers stop first, then the kubelet confirms it (a deletion
        // with no grace left), and only then does the StatefulSet make the pod's successor.
        if (this.serving[server.ordinal] === deleted.metadata!.uid) {
          await this.zk!.stop([server.ordinal]);
          this.serving[server.ordinal] = undefined;
          this.event(`stop ${server.hostname}`);
        }
        await this.core
          .deleteNamespacedPod({
            name: server.hostname,
            namespace: this.namespace,
            gracePeriodSeconds: 0,
            body: { gracePeriodSeconds: 0, preconditions: { uid: deleted.metadata!.uid } },
          })
          .catch(() => undefined);
        continue;
      }
      const pod = pods.find((p) => p.metadata?.name === server.hostname && p.spec?.nodeName);
      const uid = pod?.metadata?.uid;
      if (uid === this.serving[server.ordinal]) continue;
      if (this.zk!.isRunning(server.ordinal)) {
        await this.zk!.stop([server.ordinal]);
        this.event(`stop ${server.hostname}`);
      }
      this.serving[server.ordinal] = undefined;
      if (!pod) continue;
      await this.mountServerFiles(pod, server.ordinal);
      this.zk!.start([server.ordinal]);
      this.serving[server.ordinal] = uid;
      this.event(`start ${server.hostname}`);
    }
    for (const [uid, child] of this.jobs) {
      // The kubelet kills the containers of a pod that is deleted.
      if (!pods.some((p) => p.metadata?.uid === uid && live(p))) child.kill("SIGKILL");
    }
    for (const pod of pods) {
      const uid = pod.metadata!.uid!;
      const container = pod.spec?.containers[0];
      const runsCode = container?.command?.includes(JOBS_CODE_PATH) ?? false;
      const isJobs = pod.metadata?.ownerReferences?.some((o) => o.kind === "Job") ?? false;
      if (!runsCode || !isJobs || !live(pod) || pod.status?.phase !== "Running" || this.handled.has(uid)) continue;
      this.handled.add(uid);
      const run = this.runJob(pod).catch(async (e) => {
        // Failed as the pod would, so the Job (and the up that waits for it) ends now, saying why.
        const output = `the stand-in could not run the pod: ${(e as Error).message}`;
        this.event(`job ${pod.metadata!.name}: ${output}`);
        this.jobRuns.push({ pod: pod.metadata!.name!, job: "", exitCode: null, output, env: {} });
        await this.complete(pod.metadata!.name!, null).catch(() => undefined);
      });
      this.runs.add(run);
      void run.finally(() => this.runs.delete(run));
    }
  }

  /** What the server pod mounts, as its server's files (read when the server starts). */
  private async mountServerFiles(pod: V1Pod, ordinal: number): Promise<void> {
    const mounted = async (mountPath: string) => {
      const mount = pod.spec!.containers[0].volumeMounts?.find((m) => m.mountPath === mountPath);
      return mount ? this.volumeFiles(pod, mount.name) : undefined;
    };
    const jaas = await mounted(CLIENT_AUTH_PATHS.mount);
    if (jaas) this.zk!.writeAuthFileContent(ordinal, jaas[CLIENT_AUTH_PATHS.file]);
    const server = this.zk!.servers[ordinal];
    if (!server.tlsSecretDir) return;
    // An ensemble made with TLS: the stage of the pod's zoo.cfg, and the Secret's files when it has one.
    const config = await mounted(CONFIG_MOUNT);
    this.zk!.writeZooCfg(ordinal, this.zk!.settings.zookeeper, tlsStageOf(config?.["zoo.cfg"] ?? ""));
    const tls = await mounted(TLS_PATHS.secretMount);
    if (tls) new SecretVolume(server.tlsSecretDir).write({ "tls.crt": tls["tls.crt"], "tls.key": tls["tls.key"], "ca.crt": tls["ca.crt"] });
  }

  private async volumeFiles(pod: V1Pod, volumeName: string): Promise<Record<string, string>> {
    const volume = pod.spec!.volumes?.find((v) => v.name === volumeName);
    if (volume?.configMap) {
      const cm = await this.core.readNamespacedConfigMap({ name: volume.configMap.name!, namespace: this.namespace });
      return { ...cm.data };
    }
    if (volume?.secret) {
      const secret = await this.core.readNamespacedSecret({ name: volume.secret.secretName!, namespace: this.namespace });
      return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));
    }
    if (volume?.projected) {
      // The ServiceAccount admission plugin's kube-api-access volume: a token bound to the pod (the
      // kubelet asks the TokenRequest API for it), the cluster's CA, the namespace.
      const files: Record<string, string> = {};
      for (const source of volume.projected.sources ?? []) {
        if (source.serviceAccountToken) {
          const request = await this.core.createNamespacedServiceAccountToken({
            name: pod.spec!.serviceAccountName ?? "default",
            namespace: this.namespace,
            body: {
              spec: {
                audiences: source.serviceAccountToken.audience ? [source.serviceAccountToken.audience] : [],
                expirationSeconds: source.serviceAccountToken.expirationSeconds ?? 3600,
                boundObjectRef: { apiVersion: "v1", kind: "Pod", name: pod.metadata!.name, uid: pod.metadata!.uid },
              },
            },
          });
          files[source.serviceAccountToken.path] = request.status!.token;
        } else if (source.configMap) {
          const cm = await this.core.readNamespacedConfigMap({ name: source.configMap.name!, namespace: this.namespace });
          for (const item of source.configMap.items ?? []) files[item.path] = cm.data![item.key];
        } else if (source.downwardAPI) {
          const fields = podFields(pod);
          for (const item of source.downwardAPI.items ?? []) files[item.path] = fields[item.fieldRef!.fieldPath] ?? "";
        } else throw new Error(`pod ${pod.metadata!.name}: volume ${volumeName} projects a source the stand-in does not read`);
      }
      return files;
    }
    throw new Error(
      `pod ${pod.metadata!.name}: volume ${volumeName} is not a ConfigMap, a Secret or a projected volume, which is all the stand-in mounts`,
    );
  }

  private async envOf(pod: V1Pod): Promise<Record<string, string>> {
    const env: Record<string, string> = {
      PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      HOSTNAME: pod.metadata!.name!,
      HOME: "/",
      // The kubelet sets these in every container, enableServiceLinks or not.
      KUBERNETES_SERVICE_HOST: this.api.host,
      KUBERNETES_SERVICE_PORT: this.api.port,
    };
    const fields = podFields(pod);
    for (const e of pod.spec!.containers[0].env ?? []) {
      const from = e.valueFrom;
      if (!from) env[e.name] = e.value ?? "";
      else if (from.fieldRef) env[e.name] = fields[from.fieldRef.fieldPath] ?? "";
      else if (from.secretKeyRef) {
        const secret = await this.core.readNamespacedSecret({ name: from.secretKeyRef.name!, namespace: this.namespace });
        env[e.name] = Buffer.from(secret.data![from.secretKeyRef.key], "base64").toString("utf8");
      } else if (from.configMapKeyRef) {
        const cm = await this.core.readNamespacedConfigMap({ name: from.configMapKeyRef.name!, namespace: this.namespace });
        env[e.name] = cm.data![from.configMapKeyRef.key];
      } else throw new Error(`pod ${pod.metadata!.name}: env ${e.name} comes from a source the stand-in does not read`);
    }
    return env;
  }

  private hosts(): string {
    const lines = ["127.0.0.1 localhost"];
    if (this.zk) {
      const s = this.zk.settings;
      for (const server of this.zk.servers) lines.push(`${server.address} ${server.fqdn}`);
      // The client Service's name: one server's address (a Service's cluster IP reaches any of them).
      lines.push(`${this.zk.servers[0].address} ${s.names.clientService}.${s.namespace}.svc.${s.clusterDomain}`);
    }
    return lines.join("\n") + "\n";
  }

  private async runJob(pod: V1Pod): Promise<void> {
    const name = pod.metadata!.name!;
    const container = pod.spec!.containers[0];
    const command = container.command!;
    const job = command[command.indexOf(JOBS_CODE_PATH) + 1] ?? "";
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir, { mode: 0o755 });
    const mounts: [string, string][] = [];
    for (const m of container.volumeMounts ?? []) {
      const at = m.mountPath.replace(/^\/var\/run\//, "/run/");
      if (!/^\/(opt|run|etc)\//.test(at))
        throw new Error(`pod ${name}: the stand-in mounts under /opt, /run and /etc only, not ${m.mountPath}`);
      const source = path.join(dir, "volumes", m.name);
      fs.mkdirSync(source, { recursive: true, mode: 0o755 });
      for (const [file, text] of Object.entries(await this.volumeFiles(pod, m.name)))
        fs.writeFileSync(path.join(source, file), text, { mode: 0o444 });
      mounts.push([source, at]);
    }
    const hosts = path.join(dir, "hosts");
    fs.writeFileSync(hosts, this.hosts(), { mode: 0o444 });
    const security = { ...pod.spec!.securityContext, ...container.securityContext };
    const [program, ...args] = command;
    const env = await this.envOf(pod);
    this.event(`job ${name} starts`);
    const child = spawn(
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        POD_SANDBOX,
        hosts,
        String(security.runAsUser ?? 0),
        String(security.runAsGroup ?? 0),
        ...mounts.flat(),
        "--",
        program === "node" ? process.execPath : program,
        ...args,
      ],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    this.jobs.set(pod.metadata!.uid!, child);
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), JOB_RUN_MS);
    const exitCode = await new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    clearTimeout(timer);
    this.jobs.delete(pod.metadata!.uid!);
    this.jobRuns.push({ pod: name, job, exitCode, output, env });
    this.event(`job ${name} exits ${exitCode}`);
    await this.complete(name, exitCode, container.terminationMessagePolicy === "FallbackToLogsOnError" ? output : undefined);
  }

  /**
   * The pod's end, as the kubelet reports a container that exited (a deleted pod has none); with
   * `logs` (FallbackToLogsOnError), a failed container's message is the log's last 80 lines, at most
   * 2048 bytes (kubernetes v1.36.3 pkg/kubelet/kuberuntime/kuberuntime_container.go and
   * pkg/kubelet/container/runtime.go MaxContainerTerminationMessageLog*).
   */
  private async complete(name: string, exitCode: number | null, logs?: string): Promise<void> {
    const message = exitCode !== 0 && logs ? tailBytes(logs.split("\n").slice(-81).join("\n"), 2048) : undefined;
    for (let attempt = 0; attempt < 10; attempt++) {
      let pod: V1Pod;
      try {
        pod = await this.core.readNamespacedPodStatus({ name, namespace: this.namespace });
      } catch {
        return;
      }
      if (pod.metadata?.deletionTimestamp) return;
      const now = new Date();
      const ok = exitCode === 0;
      pod.status = {
        ...pod.status,
        phase: ok ? "Succeeded" : "Failed",
        conditions: (pod.status?.conditions ?? []).map((c) =>
          c.type === "Ready" || c.type === "ContainersReady" ? { ...c, status: "False" } : c,
        ),
        containerStatuses: (pod.status?.containerStatuses ?? []).map((c) => ({
          ...c,
          ready: false,
          started: false,
          state: {
            terminated: {
              exitCode: exitCode ?? 137,
              reason: ok ? "Completed" : "Error",
              ...(message ? { message } : {}),
              startedAt: c.state?.running?.startedAt ?? now,
              finishedAt: now,
            },
          },
        })),
      };
      try {
        await this.core.replaceNamespacedPodStatus({ name, namespace: this.namespace, body: pod });
        return;
      } catch (e) {
        if ((e as { code?: number }).code !== 409) throw e;
      }
    }
    throw new Error(`pod ${name}: its status kept changing under the stand-in`);
  }
}
