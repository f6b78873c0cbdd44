// Finds the ZooKeeper server on this machine: Debian's `zookeeper` package (which .ci/run installs),
// located through the package's own file lists rather than assumed paths.
import * as fs from "fs";
import { execFileSync } from "child_process";

export interface ZooKeeperInstall {
  /** The package's launcher, zkServer.sh. */
  zkServer: string;
  /** The package's zkEnv.sh, which zkServer.sh sources from its own directory. */
  zkEnv: string;
  /**
   * Jars the package's classpath lacks: the admin server's servlet API, an SLF4J binding for logs, and
   * the Netty codec and resolver that NettyServerCnxnFactory and the TLS client need (zookeeper.jar's
   * manifest lists netty-handler and netty-transport but not these two).
   */
  extraJars: string[];
  /** The package's command-line client, zkCli.sh, which also sources zkEnv.sh from its own directory. */
  zkCli: string;
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

export function findZooKeeper(): ZooKeeperInstall {
  const zkServer = packageFile("zookeeper", "/bin/zkServer.sh");
  const zkEnv = packageFile("zookeeper", "/bin/zkEnv.sh");
  const servlet = packageFile("libservlet-api-java", "/servlet-api.jar");
  const slf4j = packageFile("libslf4j-java", "/slf4j-simple.jar");
  const nettyCodec = packageFile("libnetty-java", "/netty-codec.jar");
  const nettyResolver = packageFile("libnetty-java", "/netty-resolver.jar");
  const zkCli = packageFile("zookeeper", "/bin/zkCli.sh");
  const missing = [
    !zkServer && "zookeeper (bin/zkServer.sh)",
    !zkEnv && "zookeeper (bin/zkEnv.sh)",
    !zkCli && "zookeeper (bin/zkCli.sh)",
    !servlet && "libservlet-api-java (servlet-api.jar)",
    !slf4j && "libslf4j-java (slf4j-simple.jar)",
    !nettyCodec && "libnetty-java (netty-codec.jar)",
    !nettyResolver && "libnetty-java (netty-resolver.jar)",
  ].filter(Boolean);
  if (missing.length) {
    throw new Error(
      `the integration suite runs real ZooKeeper servers from Debian's packages, and these are missing: ${missing.join(", ")}. ` +
        "Install them with: apt-get install zookeeper libservlet-api-java libslf4j-java libnetty-java (.ci/run does this)",
    );
  }
  return { zkServer: zkServer!, zkEnv: zkEnv!, zkCli: zkCli!, extraJars: [servlet!, slf4j!, nettyCodec!, nettyResolver!] };
}
