// Reads and checks a backup file, streaming: the header marks it as ours, every node line is a
// well-formed znode in tree pre-order, and the trailer's counts and hash match what came before it.
// A restore scans the whole file once before it touches the target, so a truncated or damaged file
// is refused with nothing created, then scans it again to restore (checking again as it goes).
import * as crypto from "crypto";
import * as fs from "fs";
import { createRequestBytes } from "./limits";
import { BackupHeader, BackupTrailer, FORMAT, FORMAT_VERSION, NodeRecord, isSystemPath, isValidPath, nameOf, parentOf } from "./format";

/** The file cannot be restored; the message says why and starts with the file's name. */
export class BackupFileError extends Error {}

export interface ScanResult {
  header: BackupHeader;
  trailer: BackupTrailer;
  /** The znode needing the largest create request, for the jute.maxbuffer warning. */
  largest: { path: string; requestBytes: number };
}

interface Line {
  bytes: Buffer;
  number: number;
  terminated: boolean;
}

/** The file's lines as byte buffers (a newline never occurs inside a UTF-8 character). */
async function* lines(file: string): AsyncGenerator<Line> {
  let pending: Buffer[] = [];
  let number = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      pending.push(chunk.subarray(start, nl));
      yield { bytes: Buffer.concat(pending), number: ++number, terminated: true };
      pending = [];
      start = nl + 1;
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  }
  if (pending.length) yield { bytes: Buffer.concat(pending), number: ++number, terminated: false };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isInt = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** What is wrong with a node line, or undefined when it is a well-formed znode. */
function nodeLineProblem(value: any): string | undefined {
  if (typeof value.path !== "string" || !isValidPath(value.path)) return "its path is not a valid znode path";
  if (isSystemPath(value.path)) return `${value.path} is under /zookeeper, which a backup never holds`;
  if (value.data !== null && (typeof value.data !== "string" || value.data.length % 4 !== 0 || !BASE64.test(value.data))) {
    return `${value.path}: data is neither null nor base64`;
  }
  if (!Array.isArray(value.acl) || value.acl.length === 0) return `${value.path}: acl is not a non-empty list`;
  for (const a of value.acl) {
    if (!a || !isInt(a.perms, 0, 31) || typeof a.scheme !== "string" || a.scheme === "" || typeof a.id !== "string") {
      return `${value.path}: an ACL entry is not {perms 0-31, scheme, id}`;
    }
  }
  if (value.kind !== "persistent" && value.kind !== "container") return `${value.path}: kind is neither persistent nor container`;
  if (value.kind === "container" && value.path === "/") return "the root cannot be a container";
  if (typeof value.stat !== "object" || value.stat === null) return `${value.path}: stat is missing`;
  return undefined;
}

function headerProblem(value: any): string | undefined {
  if (typeof value.source !== "string" || typeof value.startedAt !== "string" || typeof value.startZxid !== "string") {
    return "its header lacks source, startedAt or startZxid";
  }
  if (!Array.isArray(value.containerPatterns)) return "its header lacks containerPatterns";
  return undefined;
}

function trailerProblem(value: any): string | undefined {
  const c = value.counts;
  if (
    !c ||
    typeof c !== "object" ||
    !["nodes", "containers", "dataBytes", "ephemeralSkipped", "systemSkipped", "vanished"].every((k) =>
      isInt(c[k], 0, Number.MAX_SAFE_INTEGER),
    )
  ) {
    return "its trailer's counts are incomplete";
  }
  if (typeof value.sha256 !== "string" || typeof value.endZxid !== "string") return "its trailer lacks sha256 or endZxid";
  return undefined;
}

/**
 * Checks the whole file; calls `onNode` (awaited: it paces the reading) with every znode in file
 * order. Throws BackupFileError on the first problem.
 */
export async function scanBackup(file: string, onNode?: (record: NodeRecord) => Promise<void> | void): Promise<ScanResult> {
  const fail = (what: string) => new BackupFileError(`${file}: ${what}`);
  if (!fs.existsSync(file)) throw fail("no such file");
  if (!fs.statSync(file).isFile()) throw fail("not a file");

  const hash = crypto.createHash("sha256");
  let header: BackupHeader | undefined;
  let trailer: BackupTrailer | undefined;
  let nodes = 0;
  let largest = { path: "/", requestBytes: 0 };
  // The open ancestors of the current line, each with the name of its last child so far.
  const stack: { path: string; lastChild: string | undefined }[] = [];

  for await (const line of lines(file)) {
    if (trailer) throw fail(`line ${line.number} follows the trailer: the file was altered after it was written`);
    let value: any;
    try {
      value = JSON.parse(line.bytes.toString("utf8"));
    } catch {
      value = undefined;
    }
    if (!header) {
      if (!value || typeof value !== "object" || value.format !== FORMAT) {
        throw fail(`not a backup made by npm run backup: its first line is not a header with "format": "${FORMAT}"`);
      }
      if (!isInt(value.version, 1, Number.MAX_SAFE_INTEGER)) throw fail("its header has no valid format version");
      if (value.version > FORMAT_VERSION) {
        throw fail(
          `written in backup format version ${value.version}, newer than this restore reads (${FORMAT_VERSION}): restore it with the version of this project that wrote it, or a newer one`,
        );
      }
      const problem = headerProblem(value);
      if (problem) throw fail(problem);
      header = value as BackupHeader;
      hash.update(line.bytes).update("\n");
      continue;
    }
    if (value === undefined) {
      if (!line.terminated)
        throw fail(`truncated: its last line (${line.number}) stops mid-record and there is no trailer; use a complete backup`);
      throw fail(`line ${line.number} is not JSON: the file is damaged`);
    }
    if (value.type === "trailer") {
      const problem = trailerProblem(value);
      if (problem) throw fail(problem);
      if (value.counts.nodes !== nodes)
        throw fail(
          `its trailer counts ${value.counts.nodes} znodes but the file holds ${nodes}: the file was altered after it was written`,
        );
      if (hash.digest("hex") !== value.sha256)
        throw fail("its content does not match the SHA-256 in its trailer: the file was altered or damaged after it was written");
      trailer = value as BackupTrailer;
      continue;
    }
    if (value.type !== "node") throw fail(`line ${line.number} is neither a znode nor the trailer`);
    const problem = nodeLineProblem(value);
    if (problem) throw fail(`line ${line.number}: ${problem}`);
    const record = value as NodeRecord;

    if (nodes === 0) {
      if (record.path !== "/") throw fail(`line ${line.number}: the first znode must be the root, got ${record.path}`);
    } else {
      const parent = parentOf(record.path);
      while (stack.length && stack[stack.length - 1].path !== parent) stack.pop();
      const top = stack[stack.length - 1];
      if (!top)
        throw fail(
          `line ${line.number}: ${record.path} is not under the znode before it or one of its ancestors: the lines are not in tree order`,
        );
      const name = nameOf(record.path);
      if (top.lastChild !== undefined && name <= top.lastChild) {
        throw fail(`line ${line.number}: ${record.path} repeats or is out of order among its siblings`);
      }
      top.lastChild = name;
    }
    stack.push({ path: record.path, lastChild: undefined });
    nodes++;
    hash.update(line.bytes).update("\n");

    const dataLength = record.data === null ? 0 : Buffer.byteLength(record.data, "base64");
    const requestBytes = createRequestBytes(record.path, dataLength, record.acl);
    if (requestBytes > largest.requestBytes) largest = { path: record.path, requestBytes };
    if (onNode) await onNode(record);
  }

  if (!header) throw fail("empty: not a backup");
  if (!trailer) throw fail(`truncated: it ends after ${nodes} znodes without its trailer line; use a complete backup`);
  return { header, trailer, largest };
}
