// What ops/backup.ts and ops/restore.ts share: their options' values, checked (the command line
// itself is cli-args.ts's), and the exit codes: 0 done, 1 failed (a restore's report says what it
// did), 2 bad input or nothing to connect to. Every failure is one line on stderr that says what is
// wrong and what to do (a wrong command line adds the usage line); no stack trace. Where the
// command connects (--servers or --stack) is target.ts's.
import * as fs from "fs";
import * as path from "path";
import { CommandLine, CommandSpec, UsageError, usageErrorText } from "../cli-args";
import { runToExit } from "../../../zk/backup/run";
import { Credential } from "../../../zk/zk-client";
import { parseAuth } from "../../../zk/backup/acl";
import { parseContainerPatterns } from "../../../zk/backup/containers";

export function credentialsOf(line: CommandLine): Credential[] {
  return line.values("auth").map((text) => {
    const credential = parseAuth(text);
    if (typeof credential === "string") throw new UsageError(credential);
    return credential;
  });
}

export function containerPatternsOf(line: CommandLine): string[] {
  return line.values("containers").flatMap((text) => {
    const patterns = parseContainerPatterns(text);
    if (typeof patterns === "string") throw new UsageError(patterns);
    return patterns;
  });
}

/** --timeout in seconds: bounds connecting and every request. */
export function timeoutMsOf(line: CommandLine): number {
  const text = line.value("timeout") ?? "10";
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new UsageError(`--timeout takes seconds (a number above 0, at most 3600), got "${text}"`);
  }
  return Math.round(seconds * 1000);
}

/** A file this command will create: its directory must exist and it must not. */
export function newFile(file: string, option: string): string {
  if (fs.existsSync(file)) throw new UsageError(`${file} already exists; choose another --${option} or remove it`);
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw new UsageError(`--${option} ${file}: directory ${dir} does not exist`);
  return file;
}

/** "1 parent", "2 parents". */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

/**
 * Runs a command body and exits with its code (zk/backup/run.ts); a UsageError of a command with a
 * command line (a CommandSpec, not a job's name) is followed by its usage line.
 */
export function runCommand(command: string | CommandSpec, body: () => Promise<number>): Promise<never> {
  if (typeof command === "string") return runToExit(command, body);
  return runToExit(command.name, body, (e) => usageErrorText(command, e));
}
