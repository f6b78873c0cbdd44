// The backup file: JSON lines, one header line, one line per znode in tree pre-order (a parent
// before its children, a subtree contiguous), one trailer line.
//
// Why this shape: lines stream both ways in bounded memory (a 1 MB znode is one 1.4 MB line, and
// nothing else is held), a restore can create each node as soon as it reads it, and pre-order lets
// it know when a subtree is complete (the next line is outside it) to finish that subtree's parent
// (its ACL, its sequence counter). The trailer carries the counts and a SHA-256 of every line
// before it: a file cut short at any byte has no valid trailer, and a file altered after it was
// written does not match its hash; both are refused before anything is restored.
//
// "Ours" is the header's `format` marker with a `version` this code reads: anything else (another
// tool's JSON, a zkCli dump, a snapshot file) is refused on its first line, and a newer version is
// refused with advice to upgrade rather than half understood.
import { AclEntry, ZnodeStat } from "../zk-client";

export const FORMAT = "kind-zookeeper-backup";
export const FORMAT_VERSION = 1;

/**
 * persistent, or container (deleted by the server once its last child is gone). ZooKeeper 3.8
 * reports a container's ephemeralOwner as 0 to clients (containers.ts), so a container is recorded
 * only when the backup was told (`--containers`) or the server showed the container marker.
 */
export type NodeKind = "persistent" | "container";

/** The stat as read, for information: a restore cannot set it (the target assigns its own). */
export interface RecordedStat {
  czxid: string;
  mzxid: string;
  pzxid: string;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  dataLength: number;
  numChildren: number;
}

export interface BackupHeader {
  type: "header";
  format: typeof FORMAT;
  version: number;
  /** The connection string the backup read from. */
  source: string;
  startedAt: string;
  /** The server's last zxid when the walk began (after a sync). */
  startZxid: string;
  /** The --containers patterns: the znodes recorded as containers because the backup was told so. */
  containerPatterns: string[];
}

export interface NodeRecord {
  type: "node";
  path: string;
  /** Base64 of the bytes; null for a znode created without data (which Java clients read as null, not empty). */
  data: string | null;
  acl: AclEntry[];
  kind: NodeKind;
  stat: RecordedStat;
}

export interface BackupCounts {
  /** Node lines, the root included. */
  nodes: number;
  containers: number;
  dataBytes: number;
  /** Not in the file: ephemeral znodes (they belong to live sessions) ... */
  ephemeralSkipped: number;
  /** ... the /zookeeper subtree (quotas and the ensemble's config, which belong to the server) ... */
  systemSkipped: number;
  /** ... and znodes deleted between being listed and being read. */
  vanished: number;
}

export interface BackupTrailer {
  type: "trailer";
  finishedAt: string;
  /** The server's last zxid when the walk ended. */
  endZxid: string;
  /**
   * Each znode's data, ACL and stat were read as of one moment (its data did not change between
   * the reads), somewhere between startZxid and endZxid. Different znodes may be from different
   * moments, unless `quiescent`: no transaction at all between start and end, so the whole file
   * is one point in time.
   */
  consistency: "per-node";
  quiescent: boolean;
  counts: BackupCounts;
  /** SHA-256 (hex) of every byte before the trailer line, newlines included. */
  sha256: string;
}

export type BackupLine = BackupHeader | NodeRecord | BackupTrailer;

export function zxidHex(zxid: bigint): string {
  return "0x" + BigInt.asUintN(64, zxid).toString(16);
}

export function recordStat(s: ZnodeStat): RecordedStat {
  return {
    czxid: zxidHex(s.czxid),
    mzxid: zxidHex(s.mzxid),
    pzxid: zxidHex(s.pzxid),
    ctime: s.ctime,
    mtime: s.mtime,
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    dataLength: s.dataLength,
    numChildren: s.numChildren,
  };
}

export function encodeData(data: Buffer | null): string | null {
  return data === null ? null : data.toString("base64");
}

export function decodeData(data: string | null): Buffer | null {
  return data === null ? null : Buffer.from(data, "base64");
}

export function parentOf(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

export function childPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** The /zookeeper subtree: the server's own (quota, config); never backed up or restored. */
export function isSystemPath(path: string): boolean {
  return path === "/zookeeper" || path.startsWith("/zookeeper/");
}

/** A path as ZooKeeper accepts it: absolute, no empty, "." or ".." segment, no trailing slash. */
export function isValidPath(path: string): boolean {
  if (path === "/") return true;
  if (!path.startsWith("/") || path.endsWith("/")) return false;
  return path
    .slice(1)
    .split("/")
    .every((segment) => segment !== "" && segment !== "." && segment !== ".." && !segment.includes("\u0000"));
}
