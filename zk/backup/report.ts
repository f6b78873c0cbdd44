// The restore's report: JSON lines written as the restore goes, so that even a failed restore
// leaves a record of exactly what it did to the target. It is created when the restore begins to
// write (restore.ts): a restore refused or failed before that changed nothing and leaves none. A
// header line, one line per znode touched (created, skipped, overwritten), then, if it failed, the
// creates whose outcome it could not know (in-doubt, with whether the znode exists afterwards) and
// the znodes still carrying a temporary ACL, and a trailer line with the outcome and the counts.
import * as fs from "fs";
import { dirname } from "path";
import { AclEntry } from "../zk-client";
import { NodeKind } from "./format";

const REPORT_FORMAT = "kind-zookeeper-restore-report";

export interface RestoreCounts {
  /** Znodes in the backup, the root included. */
  znodes: number;
  created: number;
  containersCreated: number;
  skipped: number;
  overwritten: number;
  /** What happened to the root's own data and ACL. */
  root: "unchanged" | "restored" | "kept" | "not reached";
  /** Parents whose sequence counter was raised, and the throwaway creates it took. */
  sequenceParents: number;
  sequenceCreates: number;
  /** Znodes created under a temporary ACL and given their own once their children existed. */
  aclsAfterChildren: number;
  inDoubt: number;
}

export type ReportEntry =
  | { type: "created"; path: string; kind: NodeKind }
  | { type: "skipped"; path: string }
  | { type: "overwritten"; path: string }
  | { type: "root"; action: RestoreCounts["root"] }
  | { type: "in-doubt"; path: string; existsNow: boolean | null }
  | { type: "temporary-acl"; path: string; acl: AclEntry[] };

export class RestoreReport {
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedBytes = 0;
  private closed = false;

  constructor(
    readonly path: string,
    header: Record<string, unknown>,
  ) {
    // The default folder (restore-reports/) is made by the first restore that writes a report.
    fs.mkdirSync(dirname(path), { recursive: true });
    this.fd = fs.openSync(path, "wx");
    this.write({ type: "header", report: REPORT_FORMAT, version: 1, ...header });
  }

  entry(entry: ReportEntry): void {
    this.write(entry);
  }

  /** Writes the trailer and closes the file; once only, whoever calls it first. */
  close(outcome: "ok" | "failed", counts: RestoreCounts, error?: string): void {
    if (this.closed) return;
    this.closed = true;
    this.write({ type: "trailer", outcome, ...(error ? { error } : {}), counts, finishedAt: new Date().toISOString() });
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
  }

  private write(value: object): void {
    const line = JSON.stringify(value) + "\n";
    this.buffer.push(line);
    this.bufferedBytes += line.length;
    if (this.bufferedBytes >= 64 * 1024) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    fs.writeSync(this.fd, this.buffer.join(""));
    this.buffer = [];
    this.bufferedBytes = 0;
  }
}
