// Which ZooKeeper an image runs, as far as its tag says, and the oldest this program takes.

/**
 * The oldest ZooKeeper this program renders for: the 3.9 line, the one its real-server suites run
 * (3.9.5, npm run zookeeper). 3.8 is not run here: its differences that matter are written down
 * (docs/security.md: no TLS between pods before 3.9.4, fixes missing before 3.8.7), the rest unknown.
 */
export const MIN_ZOOKEEPER_VERSION = [3, 9, 0] as const;

/** The ZooKeeper version an image tag names (zookeeper:3.9.6, repo/zk:3.9.4-jre), if it names one. */
export function imageZooKeeperVersion(image: string): [number, number, number] | undefined {
  const tag = /:(\d+)\.(\d+)\.(\d+)(?:[-_.][\w.-]*)?(?:@.*)?$/.exec(image.slice(image.lastIndexOf("/") + 1));
  return tag ? [Number(tag[1]), Number(tag[2]), Number(tag[3])] : undefined;
}

/** Whether version a is older than b. */
export function olderThan(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < b.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
