// The ZooKeeper the real-server suites run: the release's lib/ (the server jar and every jar the
// binary tarball ships, the Prometheus provider included) fetched with Maven from Maven Central into
// a cache outside the checkout (never committed), one folder per version:
//   ${KZ_ZOOKEEPER_CACHE:-${XDG_CACHE_HOME:-~/.cache}/kind-zookeeper/zookeeper}/<version>/lib/*.jar
// The local Maven repository (~/.m2) is the download cache; a complete folder is reused without Maven.
//
// `npm run zookeeper` (scripts/zookeeper.ts) fetches the pinned version (ZOOKEEPER_VERSION below, the one place it is
// pinned); `ZK_VERSION=3.8.3 npm run zookeeper` fetches another, and the same variable makes the
// suites run that one (`ZK_VERSION=3.8.3 npx mocha test/servers/integration.test.ts`).
//
// What the tarball's lib/ holds (apache/zookeeper release-3.9.5 zookeeper-assembly/pom.xml and
// src/main/assembly/bin-package.xml): every transitive dependency of zookeeper, zookeeper-jute and
// zookeeper-prometheus-metrics, plus the ones zookeeper-server declares `provided` or optional that
// the assembly names again: commons-cli, jetty-server, jetty-servlet (the AdminServer and the
// exporter's HTTP server), jackson-databind, jline, logback-classic (the log binding), metrics-core
// and snappy-java. Their versions are the release's own: the pom imports the release's parent pom
// (org.apache.zookeeper:parent), whose dependencyManagement pins them.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** The ZooKeeper version the suites run unless ZK_VERSION names another. The image runs 3.9.6, which Maven Central lacks. */
export const ZOOKEEPER_VERSION = "3.9.5";

/**
 * Versions whose zookeeper-prometheus-metrics Maven Central lacks, and the provider version used
 * instead. 3.9.5: Central's newest is 3.9.4, and between release-3.9.4 and release-3.9.5 the
 * provider's module changes nothing but the version of its parent (`git diff release-3.9.4
 * release-3.9.5 -- zookeeper-metrics-providers` in apache/zookeeper): the same classes. Its own
 * dependencies still come at 3.9.5's versions (the imported parent pom manages them).
 */
const METRICS_PROVIDER_SUBSTITUTES: Record<string, string> = { "3.9.5": "3.9.4" };

export function zookeeperVersion(env: NodeJS.ProcessEnv = process.env): string {
  return env.ZK_VERSION || ZOOKEEPER_VERSION;
}

/** The cache: KZ_ZOOKEEPER_CACHE, else $XDG_CACHE_HOME or ~/.cache, under kind-zookeeper/zookeeper. */
export function zookeeperCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.KZ_ZOOKEEPER_CACHE || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "kind-zookeeper", "zookeeper");
}

/** The provider version that stands in for `version`'s (its own where Central has it). */
export function metricsProviderVersion(version: string): string {
  return METRICS_PROVIDER_SUBSTITUTES[version] ?? version;
}

function dependency(groupId: string, artifactId: string, version?: string): string {
  return `    <dependency><groupId>${groupId}</groupId><artifactId>${artifactId}</artifactId>${version ? `<version>${version}</version>` : ""}</dependency>`;
}

/** The pom whose runtime dependencies are the release's lib/. */
export function zookeeperPom(version: string): string {
  const [major, minor, patch] = version.split(".").map(Number);
  // jline moved from jline:jline 2 to org.jline:jline 3 in 3.9.5 (apache/zookeeper release-3.9.5 pom.xml).
  const jlineGroup = major > 3 || (major === 3 && (minor > 9 || (minor === 9 && patch >= 5))) ? "org.jline" : "jline";
  return [
    '<project xmlns="http://maven.apache.org/POM/4.0.0">',
    "  <modelVersion>4.0.0</modelVersion>",
    "  <groupId>local.kind-zookeeper</groupId>",
    "  <artifactId>zookeeper-lib</artifactId>",
    `  <version>${version}</version>`,
    "  <packaging>pom</packaging>",
    "  <dependencyManagement>",
    "    <dependencies>",
    `      <dependency><groupId>org.apache.zookeeper</groupId><artifactId>parent</artifactId><version>${version}</version><type>pom</type><scope>import</scope></dependency>`,
    "    </dependencies>",
    "  </dependencyManagement>",
    "  <dependencies>",
    dependency("org.apache.zookeeper", "zookeeper", version),
    dependency("org.apache.zookeeper", "zookeeper-jute", version),
    dependency("org.apache.zookeeper", "zookeeper-prometheus-metrics", metricsProviderVersion(version)),
    dependency("commons-cli", "commons-cli"),
    dependency("org.eclipse.jetty", "jetty-server"),
    dependency("org.eclipse.jetty", "jetty-servlet"),
    dependency("com.fasterxml.jackson.core", "jackson-databind"),
    dependency(jlineGroup, "jline"),
    dependency("ch.qos.logback", "logback-classic"),
    dependency("io.dropwizard.metrics", "metrics-core"),
    dependency("org.xerial.snappy", "snappy-java"),
    "  </dependencies>",
    "</project>",
    "",
  ].join("\n");
}

/** A version's folder in the cache. */
export function zookeeperHome(version = zookeeperVersion(), env: NodeJS.ProcessEnv = process.env): string {
  return path.join(zookeeperCache(env), version);
}

/**
 * The jars of a fetched version, or undefined when it is not (completely) fetched: a folder is
 * complete when its pom.xml (renamed into place with lib/) is the one this recipe renders.
 */
export function fetchedJars(version = zookeeperVersion(), env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const home = zookeeperHome(version, env);
  const pom = path.join(home, "pom.xml");
  if (!fs.existsSync(pom) || fs.readFileSync(pom, "utf8") !== zookeeperPom(version)) return undefined;
  const lib = path.join(home, "lib");
  const jars = fs.readdirSync(lib).filter((f) => f.endsWith(".jar"));
  return jars.length ? jars.sort().map((f) => path.join(lib, f)) : undefined;
}

function has(command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

/** Fetches a version unless it is in the cache; returns its jars. */
export function fetchZooKeeper(version = zookeeperVersion(), env: NodeJS.ProcessEnv = process.env): { jars: string[]; fetched: boolean } {
  const ready = fetchedJars(version, env);
  if (ready) return { jars: ready, fetched: false };
  if (!has("mvn", ["-v"]))
    throw new Error("zookeeper: Maven is not installed (mvn); install it (apt-get install maven) and run npm run zookeeper");
  const home = zookeeperHome(version, env);
  fs.mkdirSync(path.dirname(home), { recursive: true });
  // Built beside the folder and renamed into place: a broken fetch leaves no folder that looks complete.
  const work = fs.mkdtempSync(`${home}.partial-`);
  try {
    fs.writeFileSync(path.join(work, "pom.xml"), zookeeperPom(version));
    const mvn = spawnSync(
      "mvn",
      [
        "-B",
        "-q",
        "-f",
        path.join(work, "pom.xml"),
        "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
        "-DincludeScope=runtime",
        `-DoutputDirectory=${path.join(work, "lib")}`,
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    if (mvn.status !== 0) {
      const why = `${mvn.stdout}${mvn.stderr}`.split("\n").find((l) => l.includes("[ERROR]")) ?? `mvn exited ${mvn.status}`;
      throw new Error(
        `zookeeper: Maven could not fetch ZooKeeper ${version} from Maven Central: ${why.replace(/\x1b\[[0-9;]*m/g, "").trim()}`,
      );
    }
    fs.rmSync(home, { recursive: true, force: true });
    fs.renameSync(work, home);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return { jars: fetchedJars(version, env)!, fetched: true };
}
