// The tenants Job (`node jobs.js tenants`, see main.ts), run with plain `node` from the bundled jobs
// file, like the membership Jobs. It converges every declared tenant (zk/tenants.ts) as the super
// user. Exit codes: 0 done (or nothing to do), 1 failed (the reason on stderr: the Job's log, and
// Pulumi's error; the Job's next attempt goes on from what was written), 2 bad environment.
import { convergeTenants } from "../zk/tenants";
import { ZkClient } from "../zk/zk-client";
import { TENANTS_ENV as E, TenantPlanEntry } from "../zk/facts/tenants";
import { EnvError, need, hostMap, tlsFromEnv } from "./job-env";

/** The plan, checked for the shape the program renders (components/zookeeper/tenants.ts). */
export function parsePlan(text: string): TenantPlanEntry[] {
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch (e) {
    throw new EnvError(`${E.plan} must be JSON: ${(e as Error).message}`);
  }
  const bad = (why: string) => new EnvError(`${E.plan}: ${why}`);
  if (!Array.isArray(plan)) throw bad("must be a list");
  return plan.map((t, i) => {
    const which = `entry ${i + 1}`;
    if (typeof t !== "object" || t === null) throw bad(`${which} is not an object`);
    const { name, user, chroot, quota, deleteData } = t as Record<string, unknown>;
    if (typeof name !== "string" || typeof user !== "string") throw bad(`${which} needs a name and a user`);
    if (typeof chroot !== "string" || !/^(\/[^/]+)+$/.test(chroot) || chroot.startsWith("/zookeeper")) {
      throw bad(`${which}: chroot must be an absolute path outside /zookeeper`);
    }
    if (typeof deleteData !== "boolean") throw bad(`${which}: deleteData must be true or false`);
    const limit = (v: unknown) => v === undefined || (Number.isInteger(v) && (v as number) > 0);
    const q = quota as { bytes?: unknown; nodes?: unknown } | undefined;
    if (q !== undefined && (typeof q !== "object" || !limit(q.bytes) || !limit(q.nodes))) {
      throw bad(`${which}: quota must be { bytes?, nodes? } of whole numbers above 0`);
    }
    return { name, user, chroot, deleteData, ...(q ? { quota: q as TenantPlanEntry["quota"] } : {}) };
  });
}

export function readRun(env: NodeJS.ProcessEnv) {
  const timeout = Number(env[E.timeout] ?? "10");
  if (!Number.isInteger(timeout) || timeout < 1) throw new EnvError(`${E.timeout} must be a whole number of seconds`);
  const hosts = hostMap(env[E.hosts]);
  const tls = tlsFromEnv(env, E.tlsCaFile);
  return {
    plan: parsePlan(need(env, E.plan)),
    servers: need(env, E.servers),
    ...(tls ? { tls } : {}),
    ...(hosts.size ? { resolve: (host: string) => hosts.get(host) ?? host } : {}),
    sasl: { username: need(env, E.saslUsername), password: need(env, E.saslPassword) },
    timeoutMs: timeout * 1000,
  };
}

/** Converges the tenants; resolves to the exit code. */
export async function runTenantsJob(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let zk: ZkClient | undefined;
  try {
    const run = readRun(env);
    zk = await ZkClient.open(run.servers, {
      connectMs: run.timeoutMs,
      requestMs: run.timeoutMs,
      sasl: run.sasl,
      tls: run.tls,
      resolve: run.resolve,
    });
    const outcomes = await convergeTenants(zk, run.plan, run.sasl.username, (line) => process.stdout.write(`${line}\n`));
    const changed = outcomes.filter((o) => o.changes.length).length;
    process.stdout.write(`tenants: ${outcomes.length} declared, ${changed} changed\n`);
    return 0;
  } catch (e) {
    process.stderr.write(`${e instanceof EnvError ? "tenants job: bad environment: " : "tenants failed: "}${(e as Error).message}\n`);
    return e instanceof EnvError ? 2 : 1;
  } finally {
    zk?.close();
  }
}
