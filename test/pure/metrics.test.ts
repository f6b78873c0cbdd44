// The metrics render: zoo.cfg keys, port, annotations, PodMonitor and alert rules, each checked
// against the upstream source that defines it. test/servers/zookeeper-dist.test.ts scrapes real 3.9.5 servers
// for the series the alerts and README name; scraping a real pod belongs to the e2e suite.
import { expect } from "chai";
import { resolveEnsemble } from "../../components/zookeeper/options";
import { renderStatefulSet } from "../../components/zookeeper/statefulset";
import { ensembleNames } from "../../components/zookeeper/names";
import { podSelector } from "../../components/zookeeper/labels";
import { PORTS, PORT_NAMES } from "../../components/zookeeper/ports";
import { misfits, DURATION, POD_MONITOR, PROMETHEUS_RULE } from "../../harness/prometheus-operator";
import {
  METRICS_PATH,
  MonitoringInput,
  alertRules,
  metricsJob,
  metricsPodAnnotations,
  metricsZooCfgLines,
  renderPodMonitor,
  renderPrometheusRule,
} from "../../components/zookeeper/metrics";

const input = (over: Partial<MonitoringInput> = {}): MonitoringInput => ({
  namespace: "zookeeper",
  names: ensembleNames(""),
  replicas: 3,
  ...over,
});

// ---------------------------------------------------------------------------------------------
// What the provider exports, read at apache/zookeeper release-3.9.5 and prometheus/client_java
// parent-0.9.0 (the simpleclient version zookeeper-prometheus-metrics/pom.xml pins).

/** Gauges, under their registered names, present only while registered. */
const GAUGES = [
  // ZooKeeperServer.registerMetrics: every server while it serves (standalone, leader, follower).
  ...["avg_latency", "max_latency", "min_latency", "packets_received", "packets_sent", "num_alive_connections"],
  ...["outstanding_requests", "uptime", "znode_count", "watch_count", "ephemerals_count", "approximate_data_size"],
  ...["global_sessions", "local_sessions", "open_file_descriptor_count", "max_file_descriptor_count"],
  ...["connection_drop_probability", "last_client_response_size", "max_client_response_size", "min_client_response_size"],
  ...["outstanding_tls_handshake", "auth_failed_count", "non_mtls_remote_conn_count", "non_mtls_local_conn_count"],
  // QuorumZooKeeperServer.registerMetrics: QuorumPeer.getQuorumSize(), the voting members.
  "quorum_size",
  // LeaderZooKeeperServer.registerMetrics: only while leading.
  ...["learners", "synced_followers", "synced_non_voting_followers", "synced_observers", "pending_syncs", "leader_uptime"],
  ...["last_proposal_size", "max_proposal_size", "min_proposal_size"],
];

/** ServerMetrics: getSummary / getSummarySet names; simpleclient 0.9.0 Summary.collect exports <name>{quantile}, <name>_count, <name>_sum. */
const SUMMARIES = `fsynctime snapshottime restore_time dbinittime readlatency updatelatency propagation_latency follower_sync_time
  observer_sync_time election_time connection_token_deficit inflight_snap_count inflight_diff_count write_per_namespace read_per_namespace
  node_created_watch_count node_deleted_watch_count node_changed_watch_count node_children_watch_count dead_watchers_cleaner_latency
  prep_processor_queue_time_ms prep_processor_queue_size prep_process_time proposal_process_time close_session_prep_time unavailable_time
  leader_unavailable_time requests_in_session_queue pending_session_queue_size reads_after_write_in_session_queue
  reads_issued_from_session_queue session_queues_drained time_waiting_empty_pool_in_commit_processor_read_ms
  write_batch_time_in_commit_processor concurrent_request_processing_in_commit_processor read_commit_proc_req_queued
  write_commit_proc_req_queued commit_commit_proc_req_queued read_commit_proc_issued write_commit_proc_issued read_commitproc_time_ms
  write_commitproc_time_ms local_write_committed_time_ms server_write_committed_time_ms commit_process_time om_proposal_process_time_ms
  om_commit_process_time_ms read_final_proc_time_ms write_final_proc_time_ms proposal_latency proposal_ack_creation_latency
  commit_propagation_latency learner_handler_qp_size learner_handler_qp_time_ms startup_txns_loaded startup_txns_load_time
  startup_snap_load_time sync_processor_queue_and_flush_time_ms sync_processor_queue_size sync_processor_queue_time_ms
  sync_processor_queue_flush_time_ms sync_process_time sync_processor_batch_size quorum_ack_latency ack_latency
  request_throttle_queue_time_ms netty_queued_buffer_capacity learner_request_processor_queue_size socket_closing_time
  jvm_pause_time_ms`.split(/\s+/);

/** ServerMetrics: getCounter names; simpleclient 0.9.0 Counter.collect exports the name as given (no _total suffix). */
const COUNTERS = `snapshot_error_count snapshot_rate_limited_count restore_error_count restore_rate_limited_count looking_count diff_count
  snap_count commit_count connection_request_count connection_rejected bytes_received_count unrecoverable_error_count
  add_dead_watcher_stall_time dead_watchers_queued dead_watchers_cleared response_packet_cache_hits response_packet_cache_misses
  response_packet_get_children_cache_hits response_packet_get_children_cache_misses ensemble_auth_success ensemble_auth_fail
  ensemble_auth_skip prep_processor_request_queued outstanding_changes_queued outstanding_changes_removed revalidate_count
  connection_drop_count connection_revalidate_count sessionless_connections_expired stale_sessions_expired request_commit_queued
  throttled_ops learner_proposal_received_count learner_commit_received_count sync_processor_request_queued proposal_count
  quit_leading_due_to_disloyal_voter stale_requests stale_requests_dropped stale_replies request_throttle_wait_count
  large_requests_rejected digest_mismatches_count unsuccessful_handshake insecure_admin_count tls_handshake_exceeded
  cnxn_closed_without_zk_server_running skip_learner_request_to_next_processor_count response_bytes watch_bytes`.split(/\s+/);

/** simpleclient_hotspot 0.9.0 (DefaultExports, with exportJvmInfo=true): MemoryPoolsExports (label area=heap|nonheap), GarbageCollectorExports, VersionInfoExports. */
const JVM = [
  ...["jvm_memory_bytes_used", "jvm_memory_bytes_committed", "jvm_memory_bytes_max", "jvm_memory_bytes_init"],
  ...["jvm_gc_collection_seconds_count", "jvm_gc_collection_seconds_sum", "jvm_info"],
];

/** Stored by Prometheus for every target it scrapes (prometheus.io/docs/concepts/jobs_instances). */
const PROMETHEUS = ["up"];

const EXPORTED = new Set([...GAUGES, ...SUMMARIES.flatMap((s) => [s, `${s}_count`, `${s}_sum`]), ...COUNTERS, ...JVM, ...PROMETHEUS]);

/** The metric names each alert's expression reads, as a reviewer would list them. */
const USES: Record<string, string[]> = {
  ZooKeeperNoLeader: ["leader_uptime"],
  ZooKeeperFollowersNotSynced: ["synced_followers"],
  ZooKeeperServerDown: ["up"],
  ZooKeeperOutstandingRequestsHigh: ["outstanding_requests"],
  ZooKeeperFsyncSlow: ["fsynctime_count", "fsynctime_sum"],
  ZooKeeperHeapNearlyFull: ["jvm_memory_bytes_max", "jvm_memory_bytes_used"],
};

const PROMQL_WORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless", "offset", "bool"]);

/** The metric names in a PromQL expression: identifiers that are neither functions, keywords, label names nor durations. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "");
  const names = [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)].map((m) => m[1]).filter((w) => !PROMQL_WORDS.has(w));
  return [...new Set(names)].sort();
}

describe("metrics", () => {
  describe("zoo.cfg", () => {
    it("turns the Prometheus provider on with keys its configure() reads, on the metrics port", () => {
      const entries = metricsZooCfgLines().map((line) => line.split("=") as [string, string]);
      expect(entries.every((e) => e.length === 2)).to.equal(true);
      const settings = Object.fromEntries(entries);
      expect(settings["metricsProvider.className"]).to.equal("org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider");
      // QuorumPeerConfig hands metricsProvider.<key> to the provider as <key>; these are the keys it reads.
      const providerKeys = ["httpHost", "httpPort", "exportJvmInfo", "numWorkerThreads", "maxQueueSize", "workerShutdownTimeoutMs"];
      for (const key of Object.keys(settings).filter((k) => k !== "metricsProvider.className")) {
        expect(key.startsWith("metricsProvider."), key).to.equal(true);
        expect(providerKeys, key).to.include(key.slice("metricsProvider.".length));
      }
      expect(settings["metricsProvider.httpPort"]).to.equal(String(PORTS.metrics));
      expect(settings["metricsProvider.httpHost"]).to.equal("0.0.0.0");
      expect(settings["metricsProvider.exportJvmInfo"], "the heap alert reads JVM metrics").to.equal("true");
    });

    it("listens on one address when given one, for several servers on one host", () => {
      expect(metricsZooCfgLines("127.0.0.100")).to.include("metricsProvider.httpHost=127.0.0.100");
    });
  });

  describe("port and annotations", () => {
    it("uses the provider's default port 7000 under a name a container port may have", () => {
      expect(PORTS.metrics).to.equal(7000);
      // A container port name is an IANA_SVC_NAME: at most 15 of a-z, 0-9 and '-', with a letter.
      expect(PORT_NAMES.metrics).to.match(/^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/);
    });

    it("annotates the pods with the metrics port and path as strings", () => {
      expect(metricsPodAnnotations()).to.deep.equal({
        "prometheus.io/scrape": "true",
        "prometheus.io/port": "7000",
        "prometheus.io/path": "/metrics",
      });
    });
  });

  describe("PodMonitor", () => {
    it("selects the StatefulSet's pods, on the metrics port by name", () => {
      for (const namePrefix of ["", "orders-"]) {
        const names = ensembleNames(namePrefix);
        const monitor = renderPodMonitor(input({ names }));
        expect(monitor.spec.selector.matchLabels).to.deep.equal(podSelector(names));
        const podLabels = renderStatefulSet(resolveEnsemble({ namePrefix }), "zk-config").spec.template.metadata.labels;
        expect(podLabels).to.deep.include(monitor.spec.selector.matchLabels);
        expect(monitor.spec.podMetricsEndpoints).to.deep.equal([{ port: PORT_NAMES.metrics, path: METRICS_PATH, interval: "30s" }]);
      }
    });

    it("carries the labels a Prometheus object selects monitors by", () => {
      const monitor = renderPodMonitor(input({ labels: { release: "kube-prometheus-stack" } }));
      expect(monitor.metadata.labels).to.include({ release: "kube-prometheus-stack", app: "zk" });
      expect(renderPrometheusRule(input({ labels: { release: "kube-prometheus-stack" } })).metadata.labels).to.include({
        release: "kube-prometheus-stack",
      });
    });

    it("has only fields of the Operator's PodMonitor type, and the required ones", () => {
      const monitor = renderPodMonitor(input());
      expect(misfits(monitor, POD_MONITOR)).to.deep.equal([]);
      expect(monitor.apiVersion).to.equal("monitoring.coreos.com/v1");
      expect(monitor.spec.selector, "spec.selector is required").to.not.equal(undefined);
    });

    it("the shape check catches an unknown field and a bad duration", () => {
      const bad = {
        ...renderPodMonitor(input()),
        spec: { selector: {}, podMetricsEndpoints: [{ port: "metrics", intervall: "30s", interval: "30 s" }] },
      };
      expect(misfits(bad, POD_MONITOR)).to.deep.equal([
        ".spec.podMetricsEndpoints[0].intervall: no such field",
        ".spec.podMetricsEndpoints[0].interval: not a Duration: 30 s",
      ]);
    });
  });

  describe("PrometheusRule", () => {
    it("has only fields of the Operator's PrometheusRule type: named groups, each rule an alert with an expression", () => {
      for (const replicas of [1, 3, 5]) {
        const rule = renderPrometheusRule(input({ replicas }));
        expect(misfits(rule, PROMETHEUS_RULE)).to.deep.equal([]);
        for (const group of rule.spec.groups) {
          expect(group.name).to.have.length.greaterThan(0);
          for (const r of group.rules) {
            expect(r.expr, r.alert).to.be.a("string").that.is.not.empty;
            expect(r.alert, "alert and record are one of").to.be.a("string").that.is.not.empty;
            expect(r).to.not.have.property("record");
          }
        }
      }
    });

    it("reads in each alert exactly the metrics its entry in USES lists", () => {
      const rules = alertRules(input());
      expect(rules.map((r) => r.alert).sort()).to.deep.equal(Object.keys(USES).sort());
      for (const r of rules) expect(metricNames(r.expr), r.alert).to.deep.equal(USES[r.alert]);
    });

    it("uses only metric names the provider exports in 3.9 (or Prometheus's own up)", () => {
      for (const [alert, names] of Object.entries(USES)) {
        for (const name of names) expect(EXPORTED.has(name), `${alert}: ${name}`).to.equal(true);
      }
      // Names one might guess but the 0.9.0 client does not export: no _total on counters, no units.
      for (const guess of ["digest_mismatches_count_total", "fsynctime_seconds_sum", "zk_outstanding_requests"]) {
        expect(EXPORTED.has(guess), guess).to.equal(false);
      }
    });

    it("selects this ensemble's series only, by the job the PodMonitor gives them", () => {
      const job = metricsJob(input({ namespace: "prod", names: ensembleNames("orders-") }));
      expect(job).to.equal("prod/orders-zk");
      for (const r of alertRules(input({ namespace: "prod", names: ensembleNames("orders-") }))) {
        const selectors = r.expr.match(/\{[^}]*\}/g) ?? [];
        expect(selectors, r.alert).to.not.be.empty;
        for (const s of selectors) expect(s, r.alert).to.contain(`job="${job}"`);
      }
    });

    it("gives a standalone server no leader or follower alerts, and expects n - 1 followers of n servers", () => {
      expect(alertRules(input({ replicas: 1 })).map((r) => r.alert)).to.not.include.members([
        "ZooKeeperNoLeader",
        "ZooKeeperFollowersNotSynced",
      ]);
      const followers = alertRules(input({ replicas: 5 })).find((r) => r.alert === "ZooKeeperFollowersNotSynced")!;
      expect(followers.expr).to.match(/synced_followers\{[^}]*\} < 4$/);
      const down = alertRules(input({ replicas: 5 })).find((r) => r.alert === "ZooKeeperServerDown")!;
      // `or` binds looser than `<`: without the parentheses the comparison would apply to vector(0) alone.
      expect(down.expr).to.match(/^\(count\(up\{[^}]*\} == 1\) or vector\(0\)\) < 5$/);
    });

    it("gives each alert a pending duration, a severity, the namespace, a summary and a description", () => {
      for (const r of alertRules(input())) {
        expect(r.for, r.alert).to.match(DURATION).and.not.equal("0");
        expect(["critical", "warning"], r.alert).to.include(r.labels.severity);
        expect(r.labels.namespace).to.equal("zookeeper");
        expect(r.annotations.summary, r.alert).to.have.length.greaterThan(10);
        expect(r.annotations.description, r.alert).to.have.length.greaterThan(80);
      }
      expect(alertRules(input()).find((r) => r.alert === "ZooKeeperNoLeader")!.labels.severity).to.equal("critical");
    });

    it("tells how to raise the heap in the deployer's terms: the heap argument unless advice says otherwise", () => {
      const heapAlert = (over: Partial<MonitoringInput>) => alertRules(input(over)).find((r) => r.alert === "ZooKeeperHeapNearlyFull")!;
      expect(heapAlert({}).annotations.description).to.contain("Raise the heap (the heap argument; memory follows it unless set)");
      expect(heapAlert({ advice: { raiseHeap: "helm upgrade --set heap=2g" } }).annotations.description).to.contain(
        "Raise the heap (helm upgrade --set heap=2g; memory follows it unless set)",
      );
    });

    it("asks a server by hand only with what the image has (bash's /dev/tcp), never with nc", () => {
      for (const r of alertRules(input())) expect(r.annotations.description, r.alert).to.not.match(/\bnc\b/);
      const queued = alertRules(input()).find((r) => r.alert === "ZooKeeperOutstandingRequestsHigh")!;
      expect(queued.annotations.description).to.contain(
        "kubectl exec -n zookeeper {{ $labels.pod }} -- bash -c 'exec 3<>/dev/tcp/127.0.0.1/2181; printf stat >&3; cat <&3'",
      );
    });

    it("writes expressions with balanced brackets", () => {
      const pairs: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
      for (const r of alertRules(input())) {
        const stack: string[] = [];
        for (const ch of r.expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
          if ("([{".includes(ch)) stack.push(ch);
          else if (ch in pairs) expect(stack.pop(), r.alert).to.equal(pairs[ch]);
        }
        expect(stack, r.alert).to.deep.equal([]);
      }
    });
  });
});
