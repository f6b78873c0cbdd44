// `npm run verify` as a user runs it: a subprocess, bounded, timed.
import * as path from "path";
import { execFile } from "child_process";

const ROOT = path.join(__dirname, "..");

export interface VerifyRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function verify(args: string[]): Promise<VerifyRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "ops", "verify.ts"), ...args],
      { cwd: ROOT, timeout: 60000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as any).code) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}
