// A healthy cluster that runs exactly what the program rendered, as far as the e2e suite's checks
// look at it: the Kubernetes API answers with the rendered objects plus the status a healthy cluster
// gives them (every replica Ready, each pod on a node of its own, every claim bound, the budget's
// disruptions as the disruption controller counts them), and the servers inside the pods answer as
// ZooKeeper does on the ports their rendered zoo.cfg names (four-letter words and zkCli.sh on
// clientPort, /metrics on metricsProvider.httpPort). A test may spoil any object to see a check fail.
import * as http from "http";
import type { AddressInfo } from "net";
import type { Kube, ExecResult } from "../e2e/kube";
import type { RenderedObject } from "../e2e/expected";

const clone = <T>(o: T): T => JSON.parse(JSON.stringify(o));

export interface FakeCluster {
  /** The objects the API holds, by kind and name; a test may change them. */
  objects: RenderedObject[];
  /** What the fake API server's hook answers (harness/fake-kube-api.ts `handle`). */
  handle(method: string, url: URL, body: any): { status: number; body: unknown } | undefined;
  /** Replaces a Kube's exec and port-forward with the fake servers' answers. */
  attach(kube: Kube): void;
  close(): Promise<void>;
}

function zooCfgOf(objects: RenderedObject[]): string {
  const sts = objects.find((o) => o.kind === "StatefulSet")!;
  const names = new Set(sts.spec.template.spec.volumes.filter((v: any) => v.configMap).map((v: any) => v.configMap.name));
  return objects.find((o) => o.kind === "ConfigMap" && names.has(o.metadata.name) && o.data?.["zoo.cfg"])!.data["zoo.cfg"];
}

const cfgValue = (cfg: string, key: string) => new RegExp(`^${key.replace(/\./g, "\\.")}=(.*)$`, "m").exec(cfg)?.[1];

const selects = (selector: string, labels: Record<string, string> = {}) =>
  selector === "" ||
  selector.split(",").every((term) => {
    const [k, v] = term.split("=");
    return labels[k] === v;
  });

export function fakeCluster(rendered: RenderedObject[]): FakeCluster {
  const objects = clone(rendered);
  const jobs = new Map<string, any>();
  const servers: http.Server[] = [];
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const sts = () => objects.find((o) => o.kind === "StatefulSet")!;
  const replicas = () => sts().spec.replicas as number;
  const podNames = () => Array.from({ length: replicas() }, (_, i) => `${sts().metadata.name}-${i}`);
  const ready = { type: "Ready", status: "True" };
  const pod = (name: string, i: number, labels: Record<string, string>) => ({
    metadata: { name, labels, uid: `uid-${name}` },
    spec: { nodeName: `node-${i}` },
    status: { phase: "Running", conditions: [ready], containerStatuses: [{ restartCount: 0 }] },
  });
  const ok = (body: unknown) => ({ status: 200, body });
  const notFound = (what: string) => ({
    status: 404,
    body: { kind: "Status", code: 404, reason: "NotFound", message: `${what} not found` },
  });

  const handle = (method: string, url: URL, body: any): { status: number; body: unknown } | undefined => {
    const path = url.pathname;
    let m = /^\/apis\/apps\/v1\/namespaces\/[^/]+\/statefulsets\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const o = find("StatefulSet", m[1]);
      return o ? ok({ ...o, status: { replicas: replicas(), readyReplicas: replicas() } }) : notFound(`statefulset ${m[1]}`);
    }
    m = /^\/api\/v1\/namespaces\/[^/]+\/services\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const o = find("Service", m[1]);
      if (!o) return notFound(`service ${m[1]}`);
      return ok({ ...o, spec: { clusterIP: "10.96.0.10", ...o.spec } });
    }
    m = /^\/apis\/policy\/v1\/namespaces\/[^/]+\/poddisruptionbudgets\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const o = find("PodDisruptionBudget", m[1]);
      if (!o) return notFound(`poddisruptionbudget ${m[1]}`);
      // kubernetes pkg/controller/disruption/disruption.go: desiredHealthy from maxUnavailable (of the
      // expected count) or minAvailable; disruptionsAllowed = currentHealthy - desiredHealthy.
      const expectedCount = replicas();
      const desiredHealthy = o.spec.maxUnavailable !== undefined ? expectedCount - o.spec.maxUnavailable : o.spec.minAvailable;
      return ok({
        ...o,
        status: { currentHealthy: expectedCount, desiredHealthy, disruptionsAllowed: Math.max(0, expectedCount - desiredHealthy) },
      });
    }
    m = /^\/api\/v1\/namespaces\/[^/]+\/pods$/.exec(path);
    if (m && method === "GET") {
      const selector = url.searchParams.get("labelSelector") ?? "";
      const jobPods = [...jobs.keys()].map((job) => pod(`${job}-abcde`, 0, { "job-name": job }));
      const labels = sts().spec.template.metadata.labels;
      const all = [...podNames().map((n, i) => pod(n, i, labels)), ...jobPods];
      return ok({ kind: "PodList", items: all.filter((p) => selects(selector, p.metadata.labels)) });
    }
    m = /^\/api\/v1\/namespaces\/[^/]+\/pods\/([^/]+)\/log$/.exec(path);
    if (m && method === "GET") return ok("backup-job: wrote zk-20261205T030000Z.jsonl (5 znodes, 0.0 MB of data, consistent)\n");
    m = /^\/api\/v1\/namespaces\/[^/]+\/persistentvolumeclaims\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const template = sts().spec.volumeClaimTemplates[0].metadata.name;
      const claim = podNames()
        .map((p) => `${template}-${p}`)
        .find((c) => c === m![1]);
      return claim
        ? ok({ metadata: { name: claim }, spec: { volumeName: `pvc-${claim}` }, status: { phase: "Bound" } })
        : notFound(`claim ${m[1]}`);
    }
    m = /^\/apis\/batch\/v1\/namespaces\/[^/]+\/cronjobs\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const o = find("CronJob", m[1]);
      return o ? ok(o) : notFound(`cronjob ${m[1]}`);
    }
    m = /^\/apis\/batch\/v1\/namespaces\/[^/]+\/jobs(?:\/([^/]+))?$/.exec(path);
    if (m && method === "POST") {
      jobs.set(body.metadata.name, body);
      return { status: 201, body };
    }
    if (m && m[1] && method === "GET") {
      const job = jobs.get(m[1]);
      return job ? ok({ ...job, status: { succeeded: 1, completionTime: "2026-12-05T03:00:10Z" } }) : notFound(`job ${m[1]}`);
    }
    if (m && m[1] && method === "DELETE") {
      jobs.delete(m[1]);
      return ok({ kind: "Status", status: "Success" });
    }
    return undefined;
  };

  /** A server in a pod: answers as ZooKeeper does, on the ports its zoo.cfg names. */
  const exec = async (podName: string, command: string[]): Promise<ExecResult> => {
    const ordinal = podNames().indexOf(podName);
    if (ordinal < 0) return { code: 1, stdout: "", stderr: `pods "${podName}" not found` };
    const cfg = zooCfgOf(objects);
    const clientPort = cfgValue(cfg, "clientPort");
    const mode = ordinal === 0 ? "leader" : "follower";
    const script = command.join(" ");
    if (command[0] === "zkCli.sh") {
      if (command[2] !== `127.0.0.1:${clientPort}`) return { code: 1, stdout: "", stderr: `Connection refused: ${command[2]}` };
      if (command[3] === "create") return { code: 0, stdout: `Created ${command[4]}\n`, stderr: "" };
      if (command[3] === "get") return { code: 0, stdout: "world\n", stderr: "" };
    }
    const word = /\/dev\/tcp\/127\.0\.0\.1\/(\d+); printf (\w+)/.exec(script);
    if (word) {
      if (word[1] !== clientPort) return { code: 1, stdout: "", stderr: "Connection refused" };
      if (word[2] === "srvr") return { code: 0, stdout: `Zookeeper version: 3.9.6\nMode: ${mode}\n`, stderr: "" };
    }
    return { code: 127, stdout: "", stderr: `the fake server cannot run: ${script}` };
  };

  /** A port-forward to a pod: /metrics where zoo.cfg's metrics provider listens, nothing elsewhere. */
  const forward = async (podName: string, port: number) => {
    const cfg = zooCfgOf(objects);
    const leader = podNames().indexOf(podName) === 0;
    const server = http.createServer((req, res) => {
      if (String(port) === cfgValue(cfg, "metricsProvider.httpPort") && req.url === "/metrics") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        res.end(
          [
            "# TYPE znode_count gauge",
            "znode_count 5.0",
            'jvm_memory_bytes_used{area="heap",} 1.2E7',
            ...(leader ? [`synced_followers ${replicas() - 1}.0`] : []),
            "",
          ].join("\n"),
        );
      } else {
        req.socket.destroy();
      }
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
      address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise<void>((r) => server.close(() => r())),
    };
  };

  return {
    objects,
    handle,
    attach(kube: Kube) {
      Object.assign(kube, { exec, forward });
    },
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}
