// The roll's Kubernetes part (RollCluster, zk/roll.ts) against the API server, from inside the roll
// Job's pod: its ServiceAccount token and CA (the files the kubelet mounts), three requests (get the
// StatefulSet, list its pods, delete one pod), each bounded. Only Node's built-in modules: the job
// runs as one bundled file.
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import { PodState, RollCluster } from "./roll";
import { POD_REVISION_LABEL } from "./facts/roll-env";

export interface ApiAccess {
  /** https://host:port (tests: http://127.0.0.1:port). */
  server: string;
  caPem?: string;
  /** Read at each request: the kubelet rotates the projected token. */
  tokenFile?: string;
}

/** The pod's own access, as client-go's rest.InClusterConfig finds it. */
export function inClusterAccess(env: NodeJS.ProcessEnv = process.env): ApiAccess {
  const dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("KUBERNETES_SERVICE_HOST is not set: not running in a pod");
  return {
    server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
    caPem: fs.readFileSync(`${dir}/ca.crt`, "utf8"),
    tokenFile: `${dir}/token`,
  };
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** One request, bounded; resolves with the parsed body of a 2xx answer, rejects with an ApiError otherwise. */
export function apiRequest(access: ApiAccess, method: string, path: string, timeoutMs = 15000): Promise<any> {
  return new Promise((resolve, reject) => {
    const url = new URL(access.server.replace(/\/+$/, "") + path);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (access.tokenFile) headers.Authorization = `Bearer ${fs.readFileSync(access.tokenFile, "utf8").trim()}`;
    const request = (url.protocol === "http:" ? http : https).request(
      url,
      { method, headers, ca: access.caPem, timeout: timeoutMs },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => {
          let body: any;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            body = text;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(body);
          else reject(new ApiError(`${method} ${url.pathname}: ${status} ${body?.message ?? String(body ?? "").slice(0, 200)}`, status));
        });
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", (e) => reject(new ApiError(`${method} ${url.pathname} on ${access.server}: ${e.message}`)));
    request.end();
  });
}

export interface StatefulSetRef {
  namespace: string;
  name: string;
  /** key=value[,key=value...]: the pods' selector. */
  selector: string;
}

/**
 * The StatefulSet's pods as the roll sees them. A pod is `updated` when its revision label is the
 * StatefulSet's status.updateRevision; that status means the new template only once the controller
 * has observed the latest generation (stateful_set_control.go computes the revisions, then the status
 * updater writes observedGeneration with them).
 */
export function kubeRollCluster(access: ApiAccess, set: StatefulSetRef): RollCluster {
  const base = `/namespaces/${encodeURIComponent(set.namespace)}`;
  const podName = (ordinal: number) => `${set.name}-${ordinal}`;
  return {
    pods: async () => {
      const sts = await apiRequest(access, "GET", `/apis/apps/v1${base}/statefulsets/${encodeURIComponent(set.name)}`);
      const list = await apiRequest(access, "GET", `/api/v1${base}/pods?labelSelector=${encodeURIComponent(set.selector)}`);
      const updateRevision: string | undefined = sts.status?.updateRevision;
      const settled = updateRevision !== undefined && (sts.status?.observedGeneration ?? 0) >= (sts.metadata?.generation ?? 0);
      const pods: PodState[] = [];
      for (const pod of list.items ?? []) {
        const m = new RegExp(`^${set.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-(\\d+)$`).exec(pod.metadata?.name ?? "");
        if (!m) continue;
        const ready = (pod.status?.conditions ?? []).some((c: any) => c.type === "Ready" && c.status === "True");
        pods.push({
          ordinal: Number(m[1]),
          phase: pod.metadata?.deletionTimestamp ? "terminating" : "running",
          ready,
          updated: pod.metadata?.labels?.[POD_REVISION_LABEL] === updateRevision,
        });
      }
      return { settled, pods };
    },
    deletePod: async (ordinal) => {
      await apiRequest(access, "DELETE", `/api/v1${base}/pods/${podName(ordinal)}`).catch((e) => {
        // Already gone: the controller is recreating it, which is what the deletion was for.
        if (!(e instanceof ApiError && e.status === 404)) throw e;
      });
    },
  };
}
