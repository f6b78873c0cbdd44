// The scheduled backup (`node jobs.js backup`, see main.ts). The CronJob runs it with plain `node`
// from the bundled jobs file: no image is built, so the code travels in a ConfigMap. It writes one
// backup through the same code as `npm run backup` (zk/backup: the same file format, written under a
// temporary name and renamed when complete), and only after that backup succeeded deletes the oldest
// backups beyond BACKUP_RETAIN. Exit codes as the command's: 0 done, 1 failed, 2 bad input or
// nothing answers (zk/backup/run.ts).
import * as fs from "fs";
import * as path from "path";
import { parseAuth } from "../zk/backup/acl";
import { runBackup } from "../zk/backup/backup";
import { runToExit } from "../zk/backup/run";
import { UsageError } from "../zk/address";
import { parseContainerPatterns } from "../zk/backup/containers";
import { megabytes } from "../zk/backup/progress";
import { Endpoint, endpointFromServers } from "../zk/backup/session";
import { Credential } from "../zk/zk-client";
import { BACKUP_ENV } from "../zk/facts/backup-env";
import { backupFileName, planPrune } from "../zk/backup/files";

interface JobEnv {
  endpoint: Endpoint;
  dir: string;
  retain: number;
  auth: Credential[];
  containerPatterns: string[];
  timeoutMs: number;
  staleAfterMs?: number;
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, max: number): number | undefined {
  const text = env[name];
  if (text === undefined || text === "") return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > max) {
    throw new UsageError(`${name} must be an integer from 1 to ${max}, got "${text}"`);
  }
  return Number(text);
}

function readEnv(env: NodeJS.ProcessEnv): JobEnv {
  const servers = env[BACKUP_ENV.servers] ?? "";
  const endpoint = endpointFromServers(servers);
  if (servers === "" || typeof endpoint === "string") {
    throw new UsageError(`${BACKUP_ENV.servers} must be host:port[,host:port...] (the client Service), got "${servers}"`);
  }
  const dir = env[BACKUP_ENV.dir] ?? "";
  if (dir === "" || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${BACKUP_ENV.dir} must be an existing directory (the backup volume), got "${dir}"`);
  }
  const retain = positiveInteger(env, BACKUP_ENV.retain, 10000);
  if (retain === undefined) throw new UsageError(`${BACKUP_ENV.retain} is required: how many backups to keep (at least 1)`);
  const authText = env[BACKUP_ENV.auth];
  const credential = authText ? parseAuth(authText) : undefined;
  if (typeof credential === "string") {
    // parseAuth's message names --auth, which the job does not have.
    throw new UsageError(`${BACKUP_ENV.auth} must be digest:user:password (the value is not shown, as it holds a password)`);
  }
  const saslUsername = env[BACKUP_ENV.saslUsername] ?? "";
  const saslPassword = env[BACKUP_ENV.saslPassword] ?? "";
  if ((saslUsername === "") !== (saslPassword === "")) {
    throw new UsageError(`${BACKUP_ENV.saslUsername} and ${BACKUP_ENV.saslPassword} go together: set both or neither`);
  }
  if (saslUsername !== "") endpoint.sasl = { username: saslUsername, password: saslPassword };
  const patterns = parseContainerPatterns(env[BACKUP_ENV.containers] ?? "");
  if (typeof patterns === "string") throw new UsageError(patterns.replace("--containers", BACKUP_ENV.containers));
  const timeoutSeconds = positiveInteger(env, BACKUP_ENV.timeout, 3600) ?? 10;
  const deadlineSeconds = positiveInteger(env, BACKUP_ENV.deadline, 7 * 24 * 3600);
  return {
    endpoint,
    dir,
    retain,
    auth: credential ? [credential] : [],
    containerPatterns: patterns,
    timeoutMs: timeoutSeconds * 1000,
    staleAfterMs: deadlineSeconds === undefined ? undefined : deadlineSeconds * 1000,
  };
}

/** A full volume is the one failure the user must fix by hand: nothing is pruned before a backup succeeds. */
function explainNoSpace(e: unknown, job: JobEnv): never {
  if ((e as NodeJS.ErrnoException)?.code === "ENOSPC") {
    throw new Error(
      `the backup volume ${job.dir} is full: it must hold ${job.retain} backups plus the one being written; ` +
        `give it more room or keep fewer backups (${(e as Error).message})`,
    );
  }
  throw e;
}

/** Runs one backup and prunes; exits with its code. */
export function runBackupJob(): Promise<never> {
  return runToExit("backup-job", backupOnce);
}

async function backupOnce(): Promise<number> {
  const job = readEnv(process.env);
  const started = new Date();
  const name = backupFileName(started);
  const { header, trailer } = await runBackup({
    endpoint: job.endpoint,
    out: path.join(job.dir, name),
    auth: job.auth,
    containerPatterns: job.containerPatterns,
    connectMs: job.timeoutMs,
    requestMs: job.timeoutMs,
  }).catch((e) => explainNoSpace(e, job));

  const removed = planPrune({
    names: fs.readdirSync(job.dir),
    written: name,
    retain: job.retain,
    now: new Date(),
    staleAfterMs: job.staleAfterMs,
  });
  try {
    for (const old of removed) fs.rmSync(path.join(job.dir, old), { force: true });
  } catch (e) {
    // Exit 1 all the same: a volume that is never pruned fills up and fails every later run.
    throw new Error(`wrote ${name}, but could not remove the older backups: ${(e as Error).message}`);
  }

  const c = trailer.counts;
  const seconds = ((Date.now() - started.getTime()) / 1000).toFixed(1);
  const consistency = trailer.quiescent ? "one point in time" : "writes ran meanwhile";
  process.stdout.write(
    `backup-job: wrote ${name} (${c.nodes} znodes, ${megabytes(c.dataBytes)} of data, ${consistency}) from ${header.source} ` +
      `in ${seconds} s; removed ${removed.length ? removed.join(", ") : "nothing"}; keeping the newest ${job.retain}\n`,
  );
  return 0;
}
