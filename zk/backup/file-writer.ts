// Writes a backup file: lines go to `<out>.partial` with backpressure (memory stays bounded however
// fast the tree is read), and the file gets its final name only once the trailer is written and
// flushed to disk, so a failed or interrupted backup never leaves a file that looks complete.
import * as crypto from "crypto";
import * as fs from "fs";
import { once } from "events";
import { BackupHeader, BackupTrailer, NodeRecord } from "./format";

export class BackupWriter {
  private readonly hash = crypto.createHash("sha256");
  private readonly stream: fs.WriteStream;
  private readonly partial: string;
  private failed: Error | undefined;

  private constructor(
    private readonly out: string,
    header: BackupHeader,
  ) {
    this.partial = `${out}.partial`;
    this.stream = fs.createWriteStream(this.partial, { flags: "w" });
    this.stream.on("error", (e) => (this.failed = e));
    this.line(header);
  }

  /** Refuses an existing `out` (a backup is never overwritten by accident). */
  static open(out: string, header: BackupHeader): BackupWriter {
    if (fs.existsSync(out)) throw new Error(`${out} already exists; choose another --out or remove it`);
    return new BackupWriter(out, header);
  }

  async node(record: NodeRecord): Promise<void> {
    if (!this.line(record)) await this.drained();
  }

  /** Writes the trailer (with the hash of everything before it), flushes, and renames into place. */
  async finish(trailer: Omit<BackupTrailer, "sha256">): Promise<void> {
    const text = JSON.stringify({ ...trailer, sha256: this.hash.digest("hex") }) + "\n";
    this.stream.write(text);
    this.stream.end();
    await once(this.stream, "finish");
    if (this.failed) throw this.failed;
    const fd = fs.openSync(this.partial, "r");
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    if (fs.existsSync(this.out)) throw new Error(`${this.out} appeared while the backup ran; the backup is in ${this.partial}`);
    fs.renameSync(this.partial, this.out);
  }

  /** Removes the partial file. */
  async abort(): Promise<void> {
    if (!this.stream.closed) {
      const closed = once(this.stream, "close").catch(() => undefined);
      this.stream.destroy();
      await closed;
    }
    fs.rmSync(this.partial, { force: true });
  }

  private line(value: object): boolean {
    if (this.failed) throw this.failed;
    const text = JSON.stringify(value) + "\n";
    this.hash.update(text);
    return this.stream.write(text);
  }

  private async drained(): Promise<void> {
    // once() also rejects on an "error" event, and removes its listeners either way.
    await once(this.stream, "drain");
    if (this.failed) throw this.failed;
  }
}
