// Commands run as a user runs them, with the stand-in `pulumi` (harness/fixtures/bin/pulumi) on PATH,
// and the stacks of that stand-in's store: what `verify --stack`, `backup --stack` and
// `restore --stack` read through the Automation API.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { ChildProcess, execFile } from "child_process";

export const ROOT = path.join(__dirname, "..");
const STAND_IN_BIN = path.join(ROOT, "harness", "fixtures", "bin");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a node script (with the tsx loader) as a user would, with a PATH of the stand-in pulumi (or
 * none) and no Pulumi settings or KUBECONFIG of this machine.
 */
export function runNode(
  args: string[],
  env: Record<string, string>,
  {
    withPulumi = true,
    timeoutMs = 60000,
    onSpawn,
  }: { withPulumi?: boolean; timeoutMs?: number; onSpawn?: (child: ChildProcess) => void } = {},
): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_") && k !== "KUBECONFIG"));
  const PATH = [...(withPulumi ? [STAND_IN_BIN] : []), path.dirname(process.execPath), "/usr/bin", "/bin"].join(":");
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--import", "tsx", ...args],
      { cwd: ROOT, env: { ...clean, PATH, ...env }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as any).code) : 0, stdout, stderr }),
    );
    onSpawn?.(child);
  });
}

/** The outputs Pulumi keeps as secrets: shown as "[secret]" without --show-secrets. */
const SECRET_OUTPUTS = ["kubeconfig", "adminPassword"];

/** A stack in the stand-in's store of a file:// backend: what --show-secrets prints, and the masked form. */
export function writeStack(backendDir: string, name: string, outputs: Record<string, unknown>, passphrase?: string): void {
  const dir = path.join(backendDir, "stand-in", name);
  fs.mkdirSync(dir, { recursive: true });
  const masked = Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, SECRET_OUTPUTS.includes(k) ? "[secret]" : v]));
  fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(outputs, null, 2) + "\n");
  fs.writeFileSync(path.join(dir, "outputs.masked.json"), JSON.stringify(masked, null, 2) + "\n");
  if (passphrase !== undefined) fs.writeFileSync(path.join(dir, "passphrase"), passphrase + "\n");
}

/** The stand-in's calls, one line each, as `pulumi` was run. */
export function standInCalls(backendDir: string): string[] {
  const file = path.join(backendDir, "stand-in", "calls");
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
}

/** Exit 2 with one line on stderr (no stack trace) that contains `reason`. */
export function expectOneLineReason(run: Run, reason: string): void {
  expect(run.code, run.stderr).to.equal(2);
  expect(run.stderr.trimEnd().split("\n"), "one line, no stack trace").to.have.length(1);
  expect(run.stderr).to.contain(reason);
}
