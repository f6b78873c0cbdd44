// Finds the ZooKeeper the real-server suites run: the release's jars, fetched from Maven Central into
// a cache by harness/zookeeper-release.ts (`npm run zookeeper`, which .ci/run runs; ZK_VERSION picks another
// version), and the launcher the image runs. Refuses, naming what is missing and how to get it,
// rather than run anything else: never Debian's own ZooKeeper jars.
//
// The launcher. Maven ships no bin/, so zkServer.sh and zkCli.sh are Debian's (package `zookeeper`),
// which on Linux are apache/zookeeper release-3.9.5 bin/zkServer.sh and bin/zkCli.sh but for the
// Cygwin and AIX branches (diffed line by line; zkCli.sh is identical). Both source zkEnv.sh from
// their own directory; the harness writes that file (zkEnvScript) with what release-3.9.5
// bin/zkEnv.sh sets for the tarball's layout, which the image has. Debian's own zkEnv.sh is not used:
// it names Debian's jars, sets JMXLOCALONLY=true and has no -Xmx line. test/servers/zookeeper-dist.test.ts
// checks the command line a started server gets against release-3.9.5's scripts.
import * as fs from "fs";
import * as path from "path";
import { execFileSync, spawnSync } from "child_process";
import { fetchedJars, zookeeperHome, zookeeperVersion } from "./zookeeper-release";

export interface ZooKeeperInstall {
  /** The ZooKeeper version of the jars (ZK_VERSION, else the pinned one). */
  version: string;
  /** The launcher, zkServer.sh (Debian's copy of the release's). */
  zkServer: string;
  /** The command-line client, zkCli.sh (Debian's copy of the release's), which also sources zkEnv.sh from its own directory. */
  zkCli: string;
  /** The release's lib/: every jar the binary tarball ships, the Prometheus provider and the log binding included. */
  jars: string[];
}

function packageFile(pkg: string, suffix: string): string | undefined {
  try {
    return execFileSync("dpkg", ["-L", pkg], { encoding: "utf8" })
      .split("\n")
      .find((f) => f.endsWith(suffix) && fs.existsSync(f));
  } catch {
    return undefined;
  }
}

export function findZooKeeper(env: NodeJS.ProcessEnv = process.env): ZooKeeperInstall {
  const version = zookeeperVersion(env);
  if (spawnSync("java", ["-version"], { stdio: "ignore", env }).status !== 0) {
    throw new Error(
      "the real-server suites run ZooKeeper on Java, and java is missing: install Java 17 (apt-get install openjdk-17-jre-headless)",
    );
  }
  const jars = fetchedJars(version, env);
  if (!jars) {
    throw new Error(
      `the real-server suites run ZooKeeper ${version}, which is not fetched into ${zookeeperHome(version, env)}: ` +
        `run ${env.ZK_VERSION ? `ZK_VERSION=${version} ` : ""}npm run zookeeper (Maven fetches it from Maven Central; .ci/run does this)`,
    );
  }
  const zkServer = packageFile("zookeeper", "/bin/zkServer.sh");
  const zkCli = packageFile("zookeeper", "/bin/zkCli.sh");
  if (!zkServer || !zkCli) {
    throw new Error(
      "the real-server suites launch ZooKeeper with the release's zkServer.sh and zkCli.sh, taken from Debian's zookeeper package, which is missing: " +
        "apt-get install zookeeper (.ci/run does this)",
    );
  }
  return { version, zkServer, zkCli, jars };
}

/**
 * The zkEnv.sh zkServer.sh and zkCli.sh source: what apache/zookeeper release-3.9.5 bin/zkEnv.sh
 * sets in the tarball's layout (the image's: conf/ beside bin/, the jars in lib/), with this
 * harness's folders. Of that file, in order: ZOOCFGDIR (the image's is /conf, where logback.xml
 * lives) and ZOOCFG; ZOO_LOG_DIR; JAVA from JAVA_HOME or PATH; CLASSPATH = lib/*.jar (each added in
 * front of the rest, so the last in glob order comes first), then ZOOCFGDIR, then what the
 * environment had; the server's -Xmx${ZK_SERVER_HEAP:-1000}m in front of SERVER_JVMFLAGS and the
 * client's -Xmx${ZK_CLIENT_HEAP:-256}m in front of CLIENT_JVMFLAGS.
 */
export function zkEnvScript(install: ZooKeeperInstall, dirs: { confDir: string; logDir: string }): string {
  const classpath = [...install.jars].reverse().join(":");
  return [
    `# Written by the test harness: apache/zookeeper release-3.9.5 bin/zkEnv.sh's settings for ZooKeeper ${install.version}.`,
    `ZOOCFGDIR="\${ZOOCFGDIR:-${dirs.confDir}}"`,
    'ZOOCFG="$ZOOCFGDIR/${ZOOCFG:-zoo.cfg}"',
    `ZOO_LOG_DIR="\${ZOO_LOG_DIR:-${dirs.logDir}}"`,
    'if [[ -n "$JAVA_HOME" ]] && [[ -x "$JAVA_HOME/bin/java" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi',
    `CLASSPATH="${classpath}:$ZOOCFGDIR:$CLASSPATH"`,
    'ZK_SERVER_HEAP="${ZK_SERVER_HEAP:-1000}"',
    'export SERVER_JVMFLAGS="-Xmx${ZK_SERVER_HEAP}m $SERVER_JVMFLAGS"',
    'ZK_CLIENT_HEAP="${ZK_CLIENT_HEAP:-256}"',
    'export CLIENT_JVMFLAGS="-Xmx${ZK_CLIENT_HEAP}m $CLIENT_JVMFLAGS"',
    "",
  ].join("\n");
}

/**
 * The logback.xml of ZOOCFGDIR: the image's console appender (apache/zookeeper release-3.9.5
 * conf/logback.xml: that pattern, root at INFO, its only active appender), plus loggers at other
 * levels for a test that reads a debug message (the image's file filters the console at INFO; here
 * a logger's own level decides).
 */
export function logbackXml(levels: Record<string, string> = {}): string {
  return [
    "<configuration>",
    '  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">',
    "    <encoder><pattern>%d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n</pattern></encoder>",
    "  </appender>",
    ...Object.entries(levels).map(([logger, level]) => `  <logger name="${logger}" level="${level}" />`),
    '  <root level="INFO"><appender-ref ref="CONSOLE" /></root>',
    "</configuration>",
    "",
  ].join("\n");
}

/** The launcher's own folder for `zkEnvScript`: zkServer.sh finds zkEnv.sh beside itself. */
export function writeLauncher(install: ZooKeeperInstall, binDir: string, dirs: { confDir: string; logDir: string }): void {
  for (const [script, from] of [
    ["zkServer.sh", install.zkServer],
    ["zkCli.sh", install.zkCli],
  ]) {
    fs.copyFileSync(from, path.join(binDir, script));
    fs.chmodSync(path.join(binDir, script), 0o755);
  }
  fs.writeFileSync(path.join(binDir, "zkEnv.sh"), zkEnvScript(install, dirs));
  fs.mkdirSync(dirs.confDir, { recursive: true });
  fs.writeFileSync(path.join(dirs.confDir, "logback.xml"), logbackXml());
}
