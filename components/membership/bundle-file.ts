// Where the bundled membership job lives in the repository (made by components/backup/bundle.ts).
// The program reads it at `pulumi up` to put it in the ConfigMap; it never imports the bundler.
import * as fs from "fs";
import * as path from "path";

export const MEMBERSHIP_JOB_BUNDLE = path.join(__dirname, "membership-job.bundle.js");

export function readMembershipJobBundle(): string {
  return fs.readFileSync(MEMBERSHIP_JOB_BUNDLE, "utf8");
}
