// The suite's view of the cluster, through the Kubernetes API with the stack's own kubeconfig output
// (never the ambient ~/.kube/config): pods, exec into a server's container, a port-forward to one
// server (the pods' addresses are not reachable from the host on kind), evictions, cordons, events.
// Every call is bounded.
import * as net from "net";
import { Writable } from "stream";
import type { V1Pod } from "@kubernetes/client-node";
import type { Expected } from "./expected";
import { waitFor } from "./wait";

type K8s = typeof import("@kubernetes/client-node");

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** An eviction's answer: allowed, or refused with the API's status code and message (429 for a PodDisruptionBudget). */
export type Eviction = { allowed: true } | { allowed: false; status: number; message: string };

const collector = () => {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
};

export const isReady = (pod: V1Pod) => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;

export class Kube {
  private constructor(
    private readonly k8s: K8s,
    private readonly config: InstanceType<K8s["KubeConfig"]>,
    readonly core: InstanceType<K8s["CoreV1Api"]>,
    readonly apps: InstanceType<K8s["AppsV1Api"]>,
    readonly policy: InstanceType<K8s["PolicyV1Api"]>,
    readonly batch: InstanceType<K8s["BatchV1Api"]>,
    /** What the program rendered for this stack: names, counts and ports (e2e/expected.ts). */
    readonly expected: Expected,
  ) {}

  get namespace(): string {
    return this.expected.namespace;
  }

  /** A client of the cluster the kubeconfig (content, as the stack exports it) describes. */
  static async fromKubeconfig(kubeconfig: string, expected: Expected): Promise<Kube> {
    const k8s = await import("@kubernetes/client-node");
    const config = new k8s.KubeConfig();
    config.loadFromString(kubeconfig);
    return new Kube(
      k8s,
      config,
      config.makeApiClient(k8s.CoreV1Api),
      config.makeApiClient(k8s.AppsV1Api),
      config.makeApiClient(k8s.PolicyV1Api),
      config.makeApiClient(k8s.BatchV1Api),
      expected,
    );
  }

  /** The ensemble's pods (its pod selector), by name. */
  async pods(): Promise<V1Pod[]> {
    const labelSelector = Object.entries(this.expected.podSelector)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    const list = await this.core.listNamespacedPod({ namespace: this.namespace, labelSelector });
    return list.items.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
  }

  async pod(name: string): Promise<V1Pod | undefined> {
    return (await this.pods()).find((p) => p.metadata?.name === name);
  }

  /** One line per pod: name, phase, readiness, node, restarts and why it is not ready; for failure messages. */
  async describePods(): Promise<string> {
    return (await this.pods())
      .map((p) => {
        const why = p.status?.conditions?.find((c) => c.status === "False" && c.message)?.message;
        const restarts = p.status?.containerStatuses?.[0]?.restartCount ?? 0;
        return (
          `  ${p.metadata?.name} ${p.status?.phase} ready=${isReady(p)} node=${p.spec?.nodeName ?? "-"} restarts=${restarts}` +
          ` uid=${p.metadata?.uid?.slice(0, 8)}${why ? ` (${why})` : ""}`
        );
      })
      .join("\n");
  }

  /** Waits until every server's pod exists, runs and is Ready. */
  async waitAllReady(ms: number): Promise<V1Pod[]> {
    return waitFor(
      `all ${this.expected.replicas} ZooKeeper pods to be Ready`,
      async () => {
        const pods = await this.pods();
        return pods.length === this.expected.replicas && pods.every((p) => isReady(p) && !p.metadata?.deletionTimestamp) && pods;
      },
      ms,
      { describe: () => this.describePods() },
    );
  }

  /** Runs `command` in a server's container (as kubectl exec does), bounded by `ms`. */
  exec(pod: string, command: string[], ms = 60000): Promise<ExecResult> {
    const out = collector();
    const err = collector();
    const exec = new this.k8s.Exec(this.config);
    return new Promise((resolve, reject) => {
      let socket: { close(): void } | undefined;
      const timer = setTimeout(() => {
        socket?.close();
        reject(new Error(`exec in ${pod} (${command.join(" ")}): no end within ${ms / 1000} s`));
      }, ms);
      exec
        .exec(this.namespace, pod, this.expected.container, command, out.stream, err.stream, null, false, (status) => {
          clearTimeout(timer);
          // The exit status arrives on the error channel after the output (the kubelet's v4 protocol).
          const exitCode = status.details?.causes?.find((c) => c.reason === "ExitCode")?.message;
          resolve({ code: status.status === "Success" ? 0 : Number(exitCode ?? 1), stdout: out.text(), stderr: err.text() });
        })
        .then(
          (ws) => (socket = ws),
          (e) => {
            clearTimeout(timer);
            reject(new Error(`exec in ${pod} (${command.join(" ")}): ${e.message ?? e}`));
          },
        );
    });
  }

  /** A four-letter word through the server's own loopback, as README's checks send it. */
  async fourLetterWord(pod: string, word: string): Promise<string> {
    const port = this.expected.podClientPort;
    const result = await this.exec(pod, ["bash", "-c", `exec 3<>/dev/tcp/127.0.0.1/${port}; printf ${word} >&3; timeout 5 cat <&3`], 30000);
    return result.stdout;
  }

  /** leader, follower or standalone; undefined when the server does not serve. */
  async mode(pod: string): Promise<string | undefined> {
    try {
      return /^Mode: (\w+)$/m.exec(await this.fourLetterWord(pod, "srvr"))?.[1];
    } catch {
      return undefined;
    }
  }

  /** Names of the pods whose server says it leads. */
  async leaders(pods: readonly string[] = this.expected.pods): Promise<string[]> {
    const modes = await Promise.all(pods.map((p) => this.mode(p)));
    return pods.filter((_, i) => modes[i] === "leader");
  }

  /**
   * A local port forwarded to one server's client port: a ZooKeeper client talks to that server
   * alone through it. Each connection gets its own stream to the pod; close() ends them all.
   */
  async forward(pod: string, port = this.expected.podClientPort): Promise<{ address: string; close(): Promise<void> }> {
    const forward = new this.k8s.PortForward(this.config);
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      forward.portForward(this.namespace, pod, [port], socket, null, socket).then(
        (ws) => {
          const stream = ws as unknown as { on(e: string, f: () => void): void; close(): void };
          stream.on("close", () => socket.destroy());
          socket.on("close", () => stream.close());
        },
        () => socket.destroy(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    return {
      address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
      close: () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    };
  }

  /** Asks the API to evict a pod (what kubectl drain does), honouring PodDisruptionBudgets. */
  async evict(pod: string, namespace = this.namespace): Promise<Eviction> {
    try {
      await this.core.createNamespacedPodEviction({
        name: pod,
        namespace,
        body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: pod, namespace } },
      });
      return { allowed: true };
    } catch (e) {
      const status = (e as { code?: number }).code;
      if (typeof status !== "number") throw e;
      const body = (e as { body?: unknown }).body;
      const message = typeof body === "string" ? ((JSON.parse(body) as { message?: string }).message ?? body) : String(body);
      return { allowed: false, status, message };
    }
  }

  /** Marks a node (un)schedulable, as kubectl cordon / uncordon do. */
  async cordon(node: string, unschedulable: boolean): Promise<void> {
    await this.core.patchNode(
      { name: node, body: { spec: { unschedulable } } },
      this.k8s.setHeaderOptions("Content-Type", this.k8s.PatchStrategy.MergePatch),
    );
  }

  /** Every pod on a node, in every namespace. */
  async podsOn(node: string): Promise<V1Pod[]> {
    return (await this.core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items;
  }

  /** The bound volume of a server's data claim: the same volume after a drill means the same data. */
  async volumeOf(pod: string): Promise<string | undefined> {
    const name = `${this.expected.claimTemplate}-${pod}`;
    return (await this.core.readNamespacedPersistentVolumeClaim({ name, namespace: this.namespace })).spec?.volumeName;
  }

  /** The namespace's events (for the image pull times). */
  async events(): Promise<{ reason?: string; message?: string; involvedObject?: { name?: string } }[]> {
    return (await this.core.listNamespacedEvent({ namespace: this.namespace })).items;
  }
}
