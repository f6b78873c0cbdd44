// Prometheus metrics from ZooKeeper's built-in provider, and, for clusters with the Prometheus
// Operator, a PodMonitor and alerts. Facts, each read at apache/zookeeper release-3.9.5 (the image
// runs 3.9.6, whose tag is not in the stored clone):
// - zoo.cfg: `metricsProvider.className` picks the provider; every other `metricsProvider.<key>` is
//   handed to it without the prefix (QuorumPeerConfig.parseProperties). PrometheusMetricsProvider
//   .configure() reads httpHost (default 0.0.0.0), httpPort (7000), exportJvmInfo (true),
//   numWorkerThreads, maxQueueSize, workerShutdownTimeoutMs, and serves /metrics over HTTP
//   (zookeeperAdmin.md "metricsProvider.*", zookeeperMonitor.md "Prometheus").
// - The binary tarball ships the provider and its jars: zookeeper-assembly/pom.xml depends on
//   zookeeper-prometheus-metrics, whose pom brings simpleclient, simpleclient_hotspot and
//   simpleclient_servlet 0.9.0, and bin-package.xml copies every transitive dependency to lib/.
//   Maven Central serves the provider (3.9.4's for 3.9.5: the same classes), which the real-server
//   suites run (harness/zookeeper-release.ts; test/servers/zookeeper-dist.test.ts scrapes it).
// - With an unknown className the server does not start (QuorumPeerConfig loads the class).
import { EnsembleNames } from "./names";
import { ensembleLabels, podSelector } from "./labels";
import { quorumSize, toleratedFailures } from "./quorum";
import { PORTS, PORT_NAMES } from "./ports";

export const METRICS_PATH = "/metrics";
const PROVIDER = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider";

/**
 * zoo.cfg lines that turn the provider on. `host` is where it listens: every address of the pod by
 * default (Prometheus scrapes the pod IP); one address only where several servers share a host.
 * JVM metrics stay on: the heap alert reads them.
 */
export function metricsZooCfgLines(host = "0.0.0.0"): string[] {
  return [
    `metricsProvider.className=${PROVIDER}`,
    `metricsProvider.httpHost=${host}`,
    `metricsProvider.httpPort=${PORTS.metrics}`,
    "metricsProvider.exportJvmInfo=true",
  ];
}

/**
 * The annotations Prometheus setups without the Operator scrape by (the community chart's
 * `kubernetes-pods` job: prometheus-community/helm-charts charts/prometheus/values.yaml). On the
 * pods only: on the headless Service too, its `kubernetes-service-endpoints` job would scrape each
 * server twice.
 */
export function metricsPodAnnotations(): Record<string, string> {
  return { "prometheus.io/scrape": "true", "prometheus.io/port": String(PORTS.metrics), "prometheus.io/path": METRICS_PATH };
}

/** What the alerts tell their reader to change, in the deployer's terms (a stack names its settings: config/advice.ts). */
export interface MonitoringAdvice {
  /** How to raise the servers' heap. Defaults to naming the ensemble's `heap` argument. */
  raiseHeap: string;
}

/** The advice in the ensemble's own terms: its arguments. */
export const MONITORING_ADVICE: MonitoringAdvice = { raiseHeap: "the heap argument" };

/** The ensemble's monitoring option. */
export interface MonitoringOptions {
  /** Labels the Prometheus object selects PodMonitors and PrometheusRules by (e.g. release: kube-prometheus-stack). */
  labels?: Record<string, string>;
  /** What the alerts tell their reader to change. Defaults to MONITORING_ADVICE. */
  advice?: Partial<MonitoringAdvice>;
}

export interface MonitoringInput extends MonitoringOptions {
  namespace: string;
  names: EnsembleNames;
  replicas: number;
  /** How often Prometheus scrapes each server. Defaults to 30s. */
  scrapeInterval?: string;
}

/**
 * The `job` label of every scraped series: with no jobLabel, the Operator sets `<namespace>/<name of
 * the PodMonitor>` (prometheus-operator v0.93.0 pkg/prometheus/promcfg.go generatePodMonitorConfig;
 * podmonitor_types.go JobLabel). The alerts select by it, so they see this ensemble only.
 */
export function metricsJob(input: Pick<MonitoringInput, "namespace" | "names">): string {
  return `${input.namespace}/${input.names.statefulSet}`;
}

function monitorMetadata(input: MonitoringInput) {
  return { name: input.names.statefulSet, namespace: input.namespace, labels: { ...ensembleLabels(input.names), ...input.labels } };
}

/** Fields per prometheus-operator v0.93.0 pkg/apis/monitoring/v1/podmonitor_types.go. */
export function renderPodMonitor(input: MonitoringInput) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PodMonitor",
    metadata: monitorMetadata(input),
    spec: {
      // The PodMonitor's own namespace is the default namespaceSelector: the ensemble's.
      selector: { matchLabels: podSelector(input.names) },
      podMetricsEndpoints: [{ port: PORT_NAMES.metrics, path: METRICS_PATH, interval: input.scrapeInterval ?? "30s" }],
    },
  };
}

/** Alert thresholds, in the units the metrics have. */
export const ALERT_THRESHOLDS = {
  /** Requests queued in a server (outstanding_requests); healthy servers hover near 0. */
  outstandingRequests: 10,
  /** Mean fsync of the transaction log, ms (fsynctime is in ms: FileTxnLog.commit). ZooKeeper warns per fsync at 1000 ms. */
  fsyncMeanMs: 100,
  /** Used heap over max heap. */
  heapUsedRatio: 0.9,
} as const;

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: "critical" | "warning"; namespace: string };
  annotations: { summary: string; description: string };
}

/**
 * The alerts. Metric names as the provider exports them (each checked in test/pure/metrics.test.ts):
 * gauges under their registered name, and only while they are registered: a server registers its
 * gauges once it serves and drops them when it stops (ZooKeeperServer.registerMetrics and
 * unregisterMetrics), the leader-only ones (leader_uptime, synced_followers) only while it leads
 * (LeaderZooKeeperServer). Summaries as <name>{quantile}, <name>_sum and <name>_count; `up` is
 * Prometheus's own.
 */
export function alertRules(input: MonitoringInput): AlertRule[] {
  const sel = `job="${metricsJob(input)}"`;
  const n = input.replicas;
  const q = quorumSize(n);
  const where = `${input.namespace}/${input.names.statefulSet}`;
  const pods = `kubectl get pods -n ${input.namespace} -l app=${input.names.appLabel} -o wide`;
  const t = ALERT_THRESHOLDS;
  const advice = { ...MONITORING_ADVICE, ...input.advice };
  const rule = (
    alert: string,
    severity: "critical" | "warning",
    expr: string,
    wait: string,
    summary: string,
    description: string,
  ): AlertRule => ({
    alert,
    expr,
    for: wait,
    labels: { severity, namespace: input.namespace },
    annotations: { summary, description },
  });
  const ensembleRules =
    n === 1
      ? [] // A standalone server has no leader and no followers.
      : [
          rule(
            "ZooKeeperNoLeader",
            "critical",
            `absent(leader_uptime{${sel}})`,
            "1m",
            `ZooKeeper ${where} has no leader: it serves no reads or writes`,
            `No server of ${where} has reported leading for 1 minute: the ensemble has lost its quorum. A quorum needs ${q} of ${n} ` +
              `servers running and reaching each other on ports 2888 and 3888. Check the servers (${pods}) and the logs of those not Ready; ` +
              "npm run verify -- --stack <stack> shows each server's mode. Also fires when Prometheus scrapes none of the servers: check the PodMonitor's targets.",
          ),
          rule(
            "ZooKeeperFollowersNotSynced",
            "warning",
            `synced_followers{${sel}} < ${n - 1}`,
            "5m",
            `ZooKeeper leader {{ $labels.pod }} has {{ $value }} of ${n - 1} followers in sync`,
            `For 5 minutes the leader of ${where} has had followers missing or out of sync: the ensemble now survives fewer than ` +
              `the ${toleratedFailures(n)} server failures it is sized for. A server is down (see ZooKeeperServerDown) or cannot catch up: read its log for sync ` +
              "errors; a follower needs initLimit x tickTime to fetch a snapshot, and a slow disk or network keeps it behind.",
          ),
        ];
  return [
    ...ensembleRules,
    rule(
      "ZooKeeperServerDown",
      "warning",
      `(count(up{${sel}} == 1) or vector(0)) < ${n}`,
      "5m",
      `{{ $value }} of ${n} ZooKeeper servers of ${where} answer`,
      `For 5 minutes fewer than ${n} servers of ${where} have answered Prometheus. The ensemble keeps serving while ${q} of ${n} run; ` +
        `each further loss brings it closer to losing its quorum. Find the missing server: ${pods}; then kubectl describe pod and ` +
        "kubectl logs on it. On kind a server whose node is cordoned stays Pending until kubectl uncordon (its volume lives on that node).",
    ),
    rule(
      "ZooKeeperOutstandingRequestsHigh",
      "warning",
      `outstanding_requests{${sel}} > ${t.outstandingRequests}`,
      "5m",
      "ZooKeeper {{ $labels.pod }} has {{ $value }} requests queued",
      `For 5 minutes {{ $labels.pod }} of ${where} has had more than ${t.outstandingRequests} requests waiting: it cannot keep up, ` +
        "from a slow disk (see ZooKeeperFsyncSlow), GC pauses, too little CPU, or clients sending more than it serves. " +
        // The image has no nc; bash's /dev/tcp asks the server on the pod's own loopback, as verify --stack's next commands do.
        `See which clients: kubectl exec -n ${input.namespace} {{ $labels.pod }} -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/${PORTS.client}; printf stat >&3; cat <&3'.`,
    ),
    rule(
      "ZooKeeperFsyncSlow",
      "warning",
      `rate(fsynctime_sum{${sel}}[5m]) / rate(fsynctime_count{${sel}}[5m]) > ${t.fsyncMeanMs}`,
      "10m",
      "ZooKeeper {{ $labels.pod }} takes {{ $value | humanize }} ms per fsync",
      `Writing the transaction log of {{ $labels.pod }} (${where}) has taken over ${t.fsyncMeanMs} ms per fsync on average for 10 ` +
        "minutes. Every write waits for a quorum of fsyncs, and a follower stalled longer than tickTime x syncLimit is dropped. " +
        "Put the data volumes on faster storage (SSD), away from busy shared disks.",
    ),
    rule(
      "ZooKeeperHeapNearlyFull",
      "warning",
      `jvm_memory_bytes_used{${sel}, area="heap"} / jvm_memory_bytes_max{${sel}, area="heap"} > ${t.heapUsedRatio}`,
      "10m",
      "ZooKeeper {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its heap",
      `For 10 minutes {{ $labels.pod }} of ${where} has used over ${t.heapUsedRatio * 100}% of its heap: long GC pauses and an ` +
        `OutOfMemoryError (which restarts the server) follow. Raise the heap (${advice.raiseHeap}; memory follows it unless set), ` +
        "or find what grew: znode count, data size and watches in mntr.",
    ),
  ];
}

/** Fields per prometheus-operator v0.93.0 pkg/apis/monitoring/v1/prometheusrule_types.go. */
export function renderPrometheusRule(input: MonitoringInput) {
  return {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "PrometheusRule",
    metadata: monitorMetadata(input),
    spec: { groups: [{ name: `zookeeper-${input.names.statefulSet}`, rules: alertRules(input) }] },
  };
}
