// Observability and scheduled backups on the real cluster, the parts `npm test` cannot run: each
// server's /metrics scraped through a port-forward (Debian's ZooKeeper has no exporter), and one run
// of the backup CronJob's Job, pulled and admitted under Pod Security restricted, against the client
// Service. The port, path and CronJob come from the render (kube.expected); a stack without metrics
// or backups skips the phase and says so.
import * as http from "http";
import * as crypto from "crypto";
import { check } from "./assert";
import type { Kube } from "./kube";
import { waitFor, within } from "./wait";

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
}

/** The value of an unlabelled sample, e.g. `znode_count 5.0`. */
function sample(body: string, name: string): number | undefined {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, "m").exec(body);
  return m ? Number(m[1]) : undefined;
}

/** Every server serves /metrics on its metrics port; the leader reports its synced followers. */
export async function scrapeMetrics(kube: Kube): Promise<Record<string, unknown>> {
  const metrics = kube.expected.metrics;
  if (!metrics) return { skipped: "the stack renders no metrics port" };
  const [leader] = await kube.leaders();
  check(leader, "no server leads");
  const figures: Record<string, unknown> = { leader };
  const followers = kube.expected.replicas - 1;
  for (const pod of kube.expected.pods) {
    const forward = await kube.forward(pod, metrics.port);
    try {
      const { status, body } = await within(`GET ${metrics.path} of ${pod}`, 15000, httpGet(`http://${forward.address}${metrics.path}`));
      check(status === 200, `${pod}: GET ${metrics.path} answered ${status}`);
      const znodes = sample(body, "znode_count");
      check(znodes !== undefined && znodes > 0, `${pod}: no znode_count in its metrics`);
      check(/^jvm_memory_bytes_used\{area="heap",?\}/m.test(body), `${pod}: no JVM heap metrics (the heap alert reads them)`);
      if (pod === leader) {
        const synced = sample(body, "synced_followers");
        check(synced === followers, `${pod} leads but reports ${synced} synced followers, not ${followers}`);
      }
      figures[pod] = { znode_count: znodes, bytes: body.length };
    } finally {
      await forward.close();
    }
  }
  return figures;
}

/** One run of the backup CronJob now (as `kubectl create job --from=cronjob/<name>`): it completes and says what it wrote. */
export async function backupNow(kube: Kube): Promise<Record<string, unknown>> {
  const cronJob = kube.expected.backupCronJob;
  if (!cronJob) return { skipped: "the stack schedules no backups" };
  const cron = await kube.batch.readNamespacedCronJob({ name: cronJob, namespace: kube.namespace });
  const name = `${cronJob}-e2e-${crypto.randomBytes(3).toString("hex")}`;
  await kube.batch.createNamespacedJob({
    namespace: kube.namespace,
    body: { metadata: { name, labels: cron.spec!.jobTemplate.metadata?.labels }, spec: cron.spec!.jobTemplate.spec },
  });
  const started = Date.now();
  const job = await waitFor(
    `Job ${name} to complete (the image pulled, the pod admitted under restricted)`,
    async () => {
      const j = await kube.batch.readNamespacedJob({ name, namespace: kube.namespace });
      if ((j.status?.failed ?? 0) > 0) throw new Error(`Job ${name} failed: ${JSON.stringify(j.status?.conditions ?? [])}`);
      return (j.status?.succeeded ?? 0) > 0 ? j : undefined;
    },
    5 * 60 * 1000,
    { intervalMs: 2000, describe: () => kube.describePods() },
  );
  const pods = await kube.core.listNamespacedPod({ namespace: kube.namespace, labelSelector: `job-name=${name}` });
  const pod = pods.items[0]?.metadata?.name;
  check(pod, `Job ${name} has no pod`);
  const log = await kube.core.readNamespacedPodLog({ name: pod, namespace: kube.namespace });
  check(/backup-job: wrote \S+\.jsonl \(\d+ znodes/.test(log), `the backup job's log does not say what it wrote: ${log.slice(0, 500)}`);
  await kube.batch.deleteNamespacedJob({ name, namespace: kube.namespace, propagationPolicy: "Background" });
  return { seconds: Math.round((Date.now() - started) / 100) / 10, completed: job.status?.completionTime, log: log.trim() };
}
