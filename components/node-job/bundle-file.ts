// Where the bundled in-cluster jobs live (made by jobs/bundle.ts, npm run gen). The program reads the
// file at `pulumi up` to put it in a ConfigMap; it never imports the jobs or the bundler.
import * as fs from "fs";
import * as path from "path";

export const JOBS_BUNDLE = path.join(__dirname, "jobs.bundle.js");

export function readJobsBundle(): string {
  return fs.readFileSync(JOBS_BUNDLE, "utf8");
}
