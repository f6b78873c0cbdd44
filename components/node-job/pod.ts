// The restricted Node.js pod that runs one of the bundled in-cluster jobs (the scheduled backup's
// CronJob, the membership Jobs): the pinned image, its `node` user, the security context, and the
// bundle mounted read-only from a ConfigMap and run as `node <code>/jobs.js <job>`. Defined once, so
// the jobs cannot drift apart.
import { createHash } from "crypto";
import { restrictedPodSecurity, restrictedContainerSecurity } from "../pod-security";
import type { InClusterJob } from "../../zk/facts/jobs";

/**
 * The official image's Node.js 24 LTS: docker-library/official-images library/node at 5aa45c8629
 * (2026-08-05) tags `24.19.0-bookworm-slim` (nodejs/docker-node 24/bookworm-slim, which creates user
 * `node`, UID and GID 1000). Not Node 20, the line this machine runs: it left the official images on
 * 2026-04-30 and gets no more security rebuilds. The bundle targets Node 20 (jobs/bundle.ts), so it
 * runs on both; the tests run it on this machine's Node 20 only.
 */
export const NODE_JOB_IMAGE = "node:24.19.0-bookworm-slim";
/** The image's `node` user; restricted needs a non-root UID stated explicitly (the image runs as root). */
export const NODE_UID = 1000;
/** Where the code's ConfigMap is mounted, and the file the pod runs. */
export const NODE_JOB_CODE = { dir: "/opt/kind-zookeeper", script: "jobs.js" } as const;

/** The ConfigMap data that carries the bundle: one key, the file the pod runs. */
export function nodeJobCode(bundle: string): Record<string, string> {
  return { [NODE_JOB_CODE.script]: bundle };
}

/**
 * The bundle in an immutable ConfigMap named `<base>-code-<digest of the bundle>`: a new bundle is a
 * new ConfigMap (and a new Job name), never new code under a running Job's feet.
 */
export function renderNodeJobConfigMap(namespace: string, base: string, labels: Record<string, string>, bundle: string) {
  const hash = createHash("sha256").update(bundle).digest("hex").slice(0, 10);
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${base}-code-${hash}`, namespace, labels },
    immutable: true,
    data: nodeJobCode(bundle),
  };
}

export interface NodeJobPod<Env extends { name: string }, Volume extends { name: string }> {
  /** Which job of the bundle the container runs. */
  job: InClusterJob;
  /** The container's name. */
  container: string;
  /** Defaults to NODE_JOB_IMAGE; it must run Node.js 20 or newer as UID 1000. */
  image?: string;
  env: Env[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  /** The ConfigMap holding the bundle (nodeJobCode). */
  codeConfigMap: string;
  /** Volumes besides the code, and where the container mounts them. */
  volumes?: { volume: Volume; mountPath: string }[];
  /**
   * A job that talks to the API server (the roll Job deletes the servers' pods): its ServiceAccount,
   * whose token the pod then mounts. Defaults to none: the default ServiceAccount and no token.
   */
  serviceAccountName?: string;
}

/** The pod spec: runs the job once, as `node`, restricted, with no Service env vars and no API token unless it has a ServiceAccount. */
export function renderNodeJobPodSpec<Env extends { name: string }, Volume extends { name: string } = never>(pod: NodeJobPod<Env, Volume>) {
  const own = pod.volumes ?? [];
  return {
    restartPolicy: "Never",
    securityContext: restrictedPodSecurity(NODE_UID),
    // A job that talks to ZooKeeper only gets no API token; one with a ServiceAccount of its own gets
    // that account's token (and finds the API server through KUBERNETES_SERVICE_HOST, which the kubelet
    // sets even with enableServiceLinks false: kubernetes v1.36.3 pkg/kubelet/kubelet_pods.go
    // getServiceEnvVarMap, masterServices). No Service env vars otherwise.
    ...(pod.serviceAccountName
      ? { serviceAccountName: pod.serviceAccountName, automountServiceAccountToken: true }
      : { automountServiceAccountToken: false }),
    enableServiceLinks: false,
    containers: [
      {
        name: pod.container,
        image: pod.image ?? NODE_JOB_IMAGE,
        imagePullPolicy: "IfNotPresent",
        // Replaces the image's entrypoint script: node runs the bundle directly.
        command: ["node", `${NODE_JOB_CODE.dir}/${NODE_JOB_CODE.script}`, pod.job],
        env: pod.env,
        resources: pod.resources,
        securityContext: restrictedContainerSecurity(),
        // A job that fails ends its log with why; the kubelet makes the last lines (80 lines, 2 KiB)
        // the container's termination message (kubernetes v1.36.3 pkg/kubelet/kuberuntime/
        // kuberuntime_container.go), and `pulumi up` prints that message when it reports the failed
        // Job (pulumi/cloud-ready-checks v1.3.0 pkg/kubernetes/pod/check.go): not only an exit code.
        terminationMessagePolicy: "FallbackToLogsOnError",
        volumeMounts: [
          ...own.map(({ volume, mountPath }) => ({ name: volume.name, mountPath })),
          { name: "code", mountPath: NODE_JOB_CODE.dir, readOnly: true },
        ],
      },
    ],
    volumes: [...own.map(({ volume }) => volume), { name: "code", configMap: { name: pod.codeConfigMap, defaultMode: 0o444 } }],
  };
}

/** The resources of a job that only talks to ZooKeeper or the API server: small and bounded. */
export const SMALL_JOB_RESOURCES = { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "256Mi" } };

/**
 * A Job of the ensemble's that runs one job of the bundle: named by what it does (a new name is a new
 * run), bounded by a deadline and retries, and rerun by the next `pulumi up` when it failed
 * (pulumi.com/replaceUnready: pulumi-kubernetes replaces a Job that did not complete).
 */
export function renderNodeJob<Env extends { name: string }, Volume extends { name: string } = never>(job: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  limits: { activeDeadlineSeconds: number; backoffLimit: number };
  pod: Omit<NodeJobPod<Env, Volume>, "container" | "resources">;
}) {
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: job.name, namespace: job.namespace, labels: job.labels, annotations: { "pulumi.com/replaceUnready": "true" } },
    spec: {
      activeDeadlineSeconds: job.limits.activeDeadlineSeconds,
      backoffLimit: job.limits.backoffLimit,
      template: {
        metadata: { labels: job.labels },
        spec: renderNodeJobPodSpec({ ...job.pod, container: job.pod.job, resources: SMALL_JOB_RESOURCES }),
      },
    },
  };
}
