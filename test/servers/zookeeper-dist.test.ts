// The ZooKeeper the real-server suites run: the release fetched from Maven Central
// (harness/zookeeper-release.ts), started by the release's launcher (harness/zookeeper-install.ts), with
// zoo.cfg rendered as the pod gets it, the Prometheus exporter included; and the series the shipped
// alerts and README name, scraped from every server. Upstream read at apache/zookeeper release-3.9.5:
// - bin/zkServer.sh `start-foreground`: exec "$JAVA" -Dzookeeper.log.dir=... -Dzookeeper.log.file=...
//   -XX:+HeapDumpOnOutOfMemoryError -XX:OnOutOfMemoryError='kill -9 %p' -cp "$CLASSPATH" $JVMFLAGS
//   $ZOOMAIN "$ZOOCFG", where JVMFLAGS is SERVER_JVMFLAGS then JVMFLAGS and ZOOMAIN is, with
//   JMXLOCALONLY unset, -Dcom.sun.management.jmxremote -Dcom.sun.management.jmxremote.local.only=false
//   org.apache.zookeeper.server.quorum.QuorumPeerMain;
// - bin/zkEnv.sh: the jars of lib/ each in front of CLASSPATH, then ZOOCFGDIR; -Xmx${ZK_SERVER_HEAP:-1000}m
//   in front of SERVER_JVMFLAGS.
// Servers on 127.0.0.240-242.
import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { findZooKeeper } from "../../harness/zookeeper-install";
import { ZOOKEEPER_VERSION, zookeeperHome, zookeeperVersion } from "../../harness/zookeeper-release";
import { alertRules } from "../../components/zookeeper/metrics";
import { ensembleNames } from "../../components/zookeeper/names";
import { PORTS } from "../../components/zookeeper/ports";

const ADDRESS_BASE = 240;
/** The page with the "Metrics and alerts" section (README links it). */
const README = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "monitoring.md"), "utf8");

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples (comments skipped). */
function parseExposition(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => {
      const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
      if (!m) throw new Error(`not an exposition line: ${line}`);
      return { name: m[1], labels: parseMatchers(m[2] ?? ""), value: Number(m[3]) };
    });
}

/** `a="x",b="y"` (a label set or equality matchers). */
function parseMatchers(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
}

/** A series a rule or the README names: its metric name and the labels it selects on. */
interface Named {
  name: string;
  labels: Record<string, string>;
  where: string;
}

/**
 * The series an alert expression reads: every `name{matchers}`, the `job` matcher dropped (a label
 * Prometheus adds when it scrapes) and `up` left out (Prometheus's own series, not the server's).
 */
function seriesOfRules(): Named[] {
  const rules = alertRules({ namespace: "zookeeper", names: ensembleNames(""), replicas: 3 });
  return rules.flatMap((rule) =>
    [...rule.expr.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\{([^}]*)\}/g)]
      .filter((m) => m[1] !== "up")
      .map((m) => {
        const { job: _job, ...labels } = parseMatchers(m[2]);
        return { name: m[1], labels, where: `alert ${rule.alert}` };
      }),
  );
}

/** The series README's "Metrics and alerts" names in code spans: `name` or `name{label="value"}`. */
function seriesOfReadme(): Named[] {
  const section = README.slice(
    README.indexOf("## Metrics and alerts"),
    README.indexOf("\n## ", README.indexOf("## Metrics and alerts") + 1),
  );
  const grep = /grep -E '\^\(([^)]*)\) '/.exec(section);
  if (!grep) throw new Error("README's Metrics section has no grep of metric names");
  const inGrep = grep[1].split("|").map((name) => ({ name, labels: {}, where: "README's curl | grep" }));
  const spans = [...section.matchAll(/`([a-z][a-z0-9_]*_[a-z0-9_]+)(?:\{([^}]*)\})?`/g)]
    .filter((m) => !m[1].startsWith("zk_")) // named as what the exporter does not export
    .map((m) => ({ name: m[1], labels: parseMatchers(m[2] ?? ""), where: `README \`${m[0].slice(1, -1)}\`` }));
  return [...inGrep, ...spans];
}

/** Only while a server leads (LeaderZooKeeperServer.registerMetrics; README says so too). */
const LEADER_ONLY = new Set(["leader_uptime", "synced_followers"]);

function has(samples: Sample[], series: Named): boolean {
  return samples.some((s) => s.name === series.name && Object.entries(series.labels).every(([k, v]) => s.labels[k] === v));
}

async function scrape(address: string): Promise<Sample[]> {
  const response = await fetch(`http://${address}:${PORTS.metrics}/metrics`, { signal: AbortSignal.timeout(5000) });
  expect(response.status, `GET http://${address}:${PORTS.metrics}/metrics`).to.equal(200);
  return parseExposition(await response.text());
}

describe("the ZooKeeper release the real-server suites run", function () {
  this.timeout(120000);

  describe("without it, the harness refuses in one line that says how to get it", () => {
    let empty: string;
    before(() => (empty = fs.mkdtempSync(path.join(os.tmpdir(), "kz-zk-cache-"))));
    after(() => fs.rmSync(empty, { recursive: true, force: true }));

    it("an unfetched version: run npm run zookeeper (with ZK_VERSION when it names another)", () => {
      const env = { ...process.env, KZ_ZOOKEEPER_CACHE: empty, ZK_VERSION: "" };
      expect(() => findZooKeeper(env)).to.throw(
        new RegExp(
          `^the real-server suites run ZooKeeper ${ZOOKEEPER_VERSION.replace(/\./g, "\\.")}, which is not fetched into .*: run npm run zookeeper \\(`,
        ),
      );
      expect(() => findZooKeeper({ ...env, ZK_VERSION: "3.8.3" })).to.throw(
        /ZooKeeper 3\.8\.3, which is not fetched .*: run ZK_VERSION=3\.8\.3 npm run zookeeper/,
      );
      for (const e of [env, { ...env, ZK_VERSION: "3.8.3" }]) {
        try {
          findZooKeeper(e);
        } catch (err) {
          expect((err as Error).message).not.to.contain("\n");
        }
      }
    });

    it("jars kept under /tmp, which the servers' read-only-root sandbox replaces with a tmpfs: keep the cache elsewhere (nothing is locked or written)", () => {
      const saved = process.env.KZ_ZOOKEEPER_CACHE;
      const underTmp = fs.mkdtempSync("/tmp/kz-zk-cache-");
      try {
        // The fetched release, seen under /tmp (a link: nothing is copied).
        fs.symlinkSync(zookeeperHome(), path.join(underTmp, zookeeperVersion()));
        process.env.KZ_ZOOKEEPER_CACHE = underTmp;
        const before = fs.readdirSync("/var/tmp").filter((f) => f.startsWith("kz-ensemble-")).length;
        expect(() => new LocalEnsemble({ replicas: 1 }, ADDRESS_BASE, { readOnlyRoot: true })).to.throw(
          /^the ZooKeeper jars are under \/tmp \(.*\), which a server started as the pod starts it .* set KZ_ZOOKEEPER_CACHE \(or XDG_CACHE_HOME\) to a folder outside \/tmp and run npm run zookeeper$/,
        );
        expect(fs.readdirSync("/var/tmp").filter((f) => f.startsWith("kz-ensemble-")).length).to.equal(before);
        // Its address is free again at once: the next ensemble takes it without waiting.
        const next = new LocalEnsemble({ replicas: 1 }, ADDRESS_BASE);
        return next.destroy();
      } finally {
        if (saved === undefined) delete process.env.KZ_ZOOKEEPER_CACHE;
        else process.env.KZ_ZOOKEEPER_CACHE = saved;
        fs.rmSync(underTmp, { recursive: true, force: true });
      }
    });

    it("no Java: install it", () => {
      expect(() => findZooKeeper({ ...process.env, PATH: empty })).to.throw(
        /^the real-server suites run ZooKeeper on Java, and java is missing: install/,
      );
    });
  });

  describe(`a three-server ensemble of the fetched release (${zookeeperVersion()}), metrics on as in the pod`, () => {
    let zk: LocalEnsemble;
    before(async () => {
      zk = new LocalEnsemble({ replicas: 3 }, ADDRESS_BASE);
      zk.start();
      await zk.waitReady();
    });
    afterEach(function () {
      if (this.currentTest?.state === "failed" && zk) console.error(zk.logTails(30));
    });
    after(async () => {
      await zk?.destroy();
    });

    it("every server is the fetched version, started from the fetched jars by the release's start-foreground command line", async () => {
      const install = findZooKeeper();
      for (const server of zk.servers) {
        const srvr = await zk.fourLetterWord(server.ordinal, "srvr");
        expect(srvr, server.hostname).to.match(new RegExp(`^Zookeeper version: ${install.version.replace(/\./g, "\\.")}-`));
        const cmdline = fs.readFileSync(`/proc/${server.process!.pid}/cmdline`, "utf8").split("\0").slice(0, -1);
        expect(cmdline[0]).to.equal("java");
        expect(cmdline.slice(1, 6)).to.deep.equal([
          `-Dzookeeper.log.dir=${path.join(zk.root, "logs")}`,
          `-Dzookeeper.log.file=zookeeper-${process.env.USER ?? ""}-server-${server.hostname}.log`,
          "-XX:+HeapDumpOnOutOfMemoryError",
          "-XX:OnOutOfMemoryError=kill -9 %p",
          "-cp",
        ]);
        expect(cmdline[6].split(":"), "the classpath: lib/ (last jar first), then ZOOCFGDIR").to.deep.equal([
          ...[...install.jars].reverse(),
          path.join(zk.root, "conf"),
          "",
        ]);
        expect(cmdline[7], "zkEnv.sh's heap first").to.equal("-Xmx1000m");
        expect(cmdline.slice(-4)).to.deep.equal([
          "-Dcom.sun.management.jmxremote",
          "-Dcom.sun.management.jmxremote.local.only=false",
          "org.apache.zookeeper.server.quorum.QuorumPeerMain",
          path.join(server.confDir, "zoo.cfg"),
        ]);
      }
    });

    it("zoo.cfg is the pod's, metrics lines included, the exporter on the server's own address instead of 0.0.0.0", () => {
      for (const server of zk.servers) {
        const cfg = fs.readFileSync(path.join(server.confDir, "zoo.cfg"), "utf8");
        expect(cfg).to.contain("metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider\n");
        expect(cfg).to.contain(`metricsProvider.httpHost=${server.address}\n`);
        expect(cfg).to.contain(`metricsProvider.httpPort=${PORTS.metrics}\n`);
      }
    });

    it("every series the alert rules and README name is exported under that name; the leader-only ones by the leader alone", async () => {
      const named = [...seriesOfRules(), ...seriesOfReadme()];
      expect(named.map((n) => n.name)).to.include.members([
        "leader_uptime",
        "synced_followers",
        "outstanding_requests",
        "fsynctime_sum",
        "jvm_memory_bytes_max",
      ]);
      const [leader] = await zk.leaders();
      const missing: string[] = [];
      for (const server of zk.servers) {
        const samples = await scrape(server.address);
        const leads = server.ordinal === leader;
        for (const series of named) {
          const expected = leads || !LEADER_ONLY.has(series.name);
          if (has(samples, series) !== expected) {
            missing.push(
              `${server.hostname} (${leads ? "leader" : "follower"}) ${expected ? "lacks" : "exports"} ${series.name}${JSON.stringify(series.labels)}, named by ${series.where}`,
            );
          }
        }
        // README: ZooKeeper's own names, without a zk_ prefix; its counters without a _total suffix.
        expect(
          samples.filter((s) => s.name.startsWith("zk_")).map((s) => s.name),
          server.hostname,
        ).to.deep.equal([]);
        expect(
          has(samples, { name: "stale_sessions_expired", labels: {}, where: "" }),
          `${server.hostname}: a counter under its own name`,
        ).to.equal(true);
      }
      expect(missing).to.deep.equal([]);
    });

    it("the values the alerts compare are sane on a healthy ensemble: no alert would fire", async () => {
      const [leader] = await zk.leaders();
      const samples = await scrape(zk.servers[leader].address);
      const value = (name: string, labels: Record<string, string> = {}) =>
        samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))!.value;
      expect(value("synced_followers"), "ZooKeeperFollowersNotSynced: synced_followers < replicas - 1").to.equal(2);
      expect(value("leader_uptime")).to.be.greaterThan(0);
      expect(value("outstanding_requests")).to.equal(0);
      const heap = value("jvm_memory_bytes_used", { area: "heap" }) / value("jvm_memory_bytes_max", { area: "heap" });
      expect(heap).to.be.greaterThan(0).and.lessThan(0.9);
      // The launcher's -Xmx1000m is overridden by the start script's (the configured heap): the max the alert divides by.
      expect(value("jvm_memory_bytes_max", { area: "heap" })).to.be.lessThan(1000 * 1024 * 1024);
    });

    // zoo.cfg's admin.snapshot.enabled=false and admin.restore.enabled=false become the system
    // properties zookeeper.admin.{snapshot,restore}.enabled (QuorumPeerConfig.parseProperties puts
    // every unknown key there with "zookeeper." in front), which Commands.SnapshotCommand.runGet and
    // RestoreCommand.runPost read (apache/zookeeper release-3.9.5, server/admin/Commands.java): 3.9
    // added both commands, on by default, and they hand out or replace the whole tree. Both need an
    // authenticated caller with ALL on /; the `ip` scheme passes that on a fresh tree (world:anyone).
    it("the AdminServer's snapshot and restore commands are off as rendered: 503 and the server logs them disabled, while a read command answers", async () => {
      const server = zk.servers[0];
      const cfg = fs.readFileSync(path.join(server.confDir, "zoo.cfg"), "utf8");
      expect(cfg).to.match(/^admin\.snapshot\.enabled=false$/m);
      expect(cfg).to.match(/^admin\.restore\.enabled=false$/m);
      const base = `http://${server.address}:${PORTS.admin}/commands`;
      const auth = { Authorization: "ip" };
      const stat = await fetch(`${base}/srvr`, { signal: AbortSignal.timeout(5000) });
      expect(stat.status).to.equal(200);
      expect(((await stat.json()) as { server_stats?: unknown }).server_stats, "srvr answers").to.be.an("object");
      const snapshot = await fetch(`${base}/snapshot`, { headers: auth, signal: AbortSignal.timeout(5000) });
      expect(snapshot.status, await snapshot.text()).to.equal(503);
      const restore = await fetch(`${base}/restore`, { method: "POST", headers: auth, body: "", signal: AbortSignal.timeout(5000) });
      expect(restore.status, await restore.text()).to.equal(503);
      const log = fs.readFileSync(server.log, "utf8");
      expect(log).to.match(/Snapshot command is disabled/);
      expect(log).to.match(/Restore command is disabled/);
    });
  });
});
