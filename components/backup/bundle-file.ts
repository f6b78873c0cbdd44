// Where the bundled backup job lives in the repository. The program reads it at `pulumi up` to put
// it in the ConfigMap; it never imports bundle.ts, whose esbuild is a development dependency.
import * as fs from "fs";
import * as path from "path";

export const BACKUP_JOB_BUNDLE = path.join(__dirname, "backup-job.bundle.js");

export function readBackupJobBundle(): string {
  return fs.readFileSync(BACKUP_JOB_BUNDLE, "utf8");
}
