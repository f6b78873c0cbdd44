// `npm run zookeeper`: fetches the ZooKeeper release the real-server suites run (the pinned one, or
// ZK_VERSION's) into its cache; what and how: harness/zookeeper-release.ts.
import * as path from "path";
import { fetchZooKeeper, zookeeperVersion } from "../harness/zookeeper-release";

const version = zookeeperVersion();
const started = Date.now();
try {
  const { jars, fetched } = fetchZooKeeper(version);
  const how = fetched ? `fetched in ${((Date.now() - started) / 1000).toFixed(1)} s` : "already fetched";
  console.log(`zookeeper: ${version} ${how}: ${jars.length} jars in ${path.dirname(jars[0])}`);
} catch (e) {
  console.error((e as Error).message);
  process.exitCode = 1;
}
