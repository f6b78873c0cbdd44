// A logical backup: every persistent znode of a live ensemble through the client API, streamed to
// a backup file (format.ts). Ephemeral znodes (owned by live sessions) and /zookeeper (the server's
// quotas and config) are left out and counted.
import { Credential, ZkClient } from "../zk-client";
import { BackupWriter } from "./file-writer";
import { isDeclaredContainer } from "./containers";
import { BackupCounts, BackupHeader, BackupTrailer, encodeData, FORMAT, FORMAT_VERSION, recordStat, zxidHex } from "./format";
import { megabytes, Progress, quietProgress } from "./progress";
import { Endpoint, openSession } from "./session";
import { walkTree } from "./walk";

export interface BackupOptions {
  endpoint: Endpoint;
  out: string;
  auth: Credential[];
  containerPatterns: string[];
  connectMs: number;
  requestMs: number;
  progress?: Progress;
}

export interface BackupResult {
  header: BackupHeader;
  trailer: Omit<BackupTrailer, "sha256">;
}

/** The server's newest zxid, as the reply to a read carries it. */
async function currentZxid(zk: ZkClient): Promise<bigint> {
  await zk.stat("/");
  return zk.lastZxid();
}

export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const progress = options.progress ?? quietProgress;
  const zk = await openSession(options.endpoint, options);
  let writer: BackupWriter | undefined;
  try {
    // The walk reads from one server; sync first so it starts from every write the ensemble had
    // acknowledged, not from whatever a lagging follower has applied.
    await zk.sync("/");
    const startZxid = await currentZxid(zk);
    const header: BackupHeader = {
      type: "header",
      format: FORMAT,
      version: FORMAT_VERSION,
      source: options.endpoint.description,
      startedAt: new Date().toISOString(),
      startZxid: zxidHex(startZxid),
      containerPatterns: options.containerPatterns,
    };
    writer = BackupWriter.open(options.out, header);
    const counts: BackupCounts = { nodes: 0, containers: 0, dataBytes: 0, ephemeralSkipped: 0, systemSkipped: 0, vanished: 0 };
    const isContainer = (path: string) => isDeclaredContainer(path, options.containerPatterns);
    for await (const event of walkTree(zk, { isContainer })) {
      switch (event.type) {
        case "node": {
          const { node } = event;
          await writer.node({
            type: "node",
            path: node.path,
            data: encodeData(node.data),
            acl: node.acl,
            kind: node.kind,
            stat: recordStat(node.stat),
          });
          counts.nodes++;
          if (node.kind === "container") counts.containers++;
          counts.dataBytes += node.data?.length ?? 0;
          break;
        }
        case "ephemeral":
          counts.ephemeralSkipped++;
          break;
        case "vanished":
          counts.vanished++;
          break;
        case "system":
          counts.systemSkipped += event.count;
          break;
      }
      progress(() => `${counts.nodes} znodes read (${megabytes(counts.dataBytes)} of data)`);
    }
    const endZxid = await currentZxid(zk);
    const trailer: Omit<BackupTrailer, "sha256"> = {
      type: "trailer",
      finishedAt: new Date().toISOString(),
      endZxid: zxidHex(endZxid),
      consistency: "per-node",
      quiescent: endZxid === startZxid,
      counts,
    };
    await writer.finish(trailer);
    return { header, trailer };
  } catch (e) {
    await writer?.abort();
    throw e;
  } finally {
    zk.close();
  }
}
