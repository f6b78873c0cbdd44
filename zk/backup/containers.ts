// Which znodes are containers. A ZooKeeper 3.8 server hides it from clients: it stores a container's
// ephemeralOwner as 0x8000000000000000 (EphemeralType.CONTAINER_EPHEMERAL_OWNER) but reports 0 for
// every owner that is not a session (DataNode.getClientEphemeralOwner, read in the 3.8.0 jar), so a
// container and a persistent node read exactly alike (seen here on 3.8.0 with this client and with
// zkCli's `stat`; the same code hides TTL nodes). It came with ZOOKEEPER-2901 (3.5.4).
// The user names containers instead, with patterns such as `/locks/*`.
import { isSystemPath, isValidPath } from "./format";

/** The container marker, as a server without that change reports it. */
export const CONTAINER_OWNER = -(2n ** 63n);

/** Exact paths, where a `*` segment stands for any one name. */
export type ContainerPatterns = string[];

/** Parses a comma-separated list; returns the patterns or what is wrong with them. */
export function parseContainerPatterns(text: string): ContainerPatterns | string {
  const patterns = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  for (const p of patterns) {
    if (!isValidPath(p.replace(/\*/g, "x")) || p === "/") {
      return `--containers takes absolute znode paths, with * for any one name (e.g. /locks/*), got "${p}"`;
    }
    if (p.split("/").some((segment) => segment.includes("*") && segment !== "*")) {
      return `--containers: * stands for a whole name (e.g. /locks/*), not part of one, got "${p}"`;
    }
    if (isSystemPath(p)) return `--containers: ${p} is under /zookeeper, which is never backed up`;
  }
  return patterns;
}

export function isDeclaredContainer(path: string, patterns: ContainerPatterns): boolean {
  if (path === "/") return false;
  const segments = path.split("/");
  return patterns.some((p) => {
    const want = p.split("/");
    return want.length === segments.length && want.every((w, i) => w === "*" || w === segments[i]);
  });
}
