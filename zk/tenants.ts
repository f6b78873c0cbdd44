// Provisions the tenants of an ensemble (zk/facts/tenants.ts): each one's chroot with an ACL that
// only its SASL user passes, its quota, and the deletion of retired tenants' data. Run by the tenants
// Job (jobs/tenants.ts) as the super user, who passes every ACL. Each step reads first and writes only
// what differs, so a run killed at any point converges when run again, and a second run writes nothing.
//
// Quotas are kept as zkCli.sh's setquota keeps them (apache/zookeeper release-3.9.5,
// cli/SetQuotaCommand.java, Quotas.java, StatsTrack.java): /zookeeper/quota/<path>/zookeeper_limits
// holds the limits and /zookeeper/quota/<path>/zookeeper_stats the usage, which the server itself
// recomputes when that node is created (DataTree.updateQuotaForPath) and keeps up to date. The server
// refuses a write past a *hard* limit (countHardLimit, byteHardLimit) only when it runs with
// zookeeper.enforceQuota=true (ZooKeeperServer.checkQuota, called by PrepRequestProcessor for create
// and setData); soft limits (count, bytes) only log. So the limits here are hard ones.
import { AclEntry, ZkClient, ZkError } from "./zk-client";
import { ALL_PERMS, TenantPlanEntry } from "./facts/tenants";

export const QUOTA_ROOT = "/zookeeper/quota";
export const QUOTA_LIMITS = "zookeeper_limits";
export const QUOTA_STATS = "zookeeper_stats";
const READ = 1;

/** The ACL of a tenant's chroot: its user, every right; nobody else (the super user passes any ACL). */
export function tenantAcl(user: string): AclEntry[] {
  return [{ perms: ALL_PERMS, scheme: "sasl", id: user }];
}

/**
 * The ACL of the quota znodes the Job makes, and of /zookeeper/quota itself: only the super user may
 * change them (the server's own updates of the usage bypass ACLs); anyone authenticated may read.
 * zkCli.sh's setquota makes them world-writable, which would let a tenant raise its own limits,
 * delete them, or set a limit on another tenant's chroot before the Job does.
 */
export function quotaAcl(superUser: string): AclEntry[] {
  return [
    { perms: ALL_PERMS, scheme: "sasl", id: superUser },
    { perms: READ, scheme: "world", id: "anyone" },
  ];
}

/** StatsTrack's text, as StatsTrack.toString writes it: count and bytes first, then the other keys sorted, after an extra '='. */
export function statsTrackText(fields: { count: number; bytes: number; byteHardLimit?: number; countHardLimit?: number }): string {
  const { count, bytes, ...rest } = fields;
  const extra = Object.entries(rest)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `count=${count},bytes=${bytes}` + (extra.length ? "=" + extra.map(([k, v]) => `;${k}=${v}`).join("") : "");
}

/** StatsTrack's parser: pairs split at ',' or ';', each key=value; a missing key reads as -1. */
export function parseStatsTrack(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of text.split(/[,;]+/)) {
    if (!pair) continue;
    const [k, v] = pair.split("=");
    out[k] = v === undefined || v === "" ? -1 : Number(v);
  }
  return out;
}

/** The limits znode's text for a quota: hard limits, as `setquota -N <nodes> -B <bytes>` writes them. */
export function quotaLimitsText(quota: { bytes?: number; nodes?: number }): string {
  return statsTrackText({ count: -1, bytes: -1, byteHardLimit: quota.bytes ?? -1, countHardLimit: quota.nodes ?? -1 });
}

export interface TenantOutcome {
  name: string;
  /** What the run changed, in order; empty when the tenant was already as declared. */
  changes: string[];
}

const isCode = (e: unknown, code: string) => e instanceof ZkError && e.code === code;

async function ignoring<T>(code: string, p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (isCode(e, code)) return undefined;
    throw e;
  }
}

/** Creates `path` (and missing parents, with `parentAcl`) if missing; true when it made `path`. */
async function ensurePath(zk: ZkClient, path: string, acl: AclEntry[], parentAcl: AclEntry[]): Promise<boolean> {
  const parts = path.split("/").filter(Boolean);
  for (let i = 1; i < parts.length; i++) {
    const parent = "/" + parts.slice(0, i).join("/");
    if ((await zk.stat(parent)) === null) await ignoring("NODE_EXISTS", zk.createNode(parent, null, parentAcl));
  }
  if ((await zk.stat(path)) !== null) return false;
  return (await ignoring("NODE_EXISTS", zk.createNode(path, null, acl))) !== undefined;
}

const sameAcl = (a: AclEntry[], b: AclEntry[]) =>
  JSON.stringify([...a].sort((x, y) => (x.scheme + x.id < y.scheme + y.id ? -1 : 1))) ===
  JSON.stringify([...b].sort((x, y) => (x.scheme + x.id < y.scheme + y.id ? -1 : 1)));

/** Sets `acl` on `path` unless it has it already; true when it changed it. */
async function ensureAcl(zk: ZkClient, path: string, acl: AclEntry[]): Promise<boolean> {
  const current = await zk.getAcl(path);
  if (sameAcl(current.acl, acl)) return false;
  await zk.setAcl(path, acl);
  return true;
}

/** Deletes `path` and everything under it, deepest first; a znode already gone is fine. Returns how many it deleted. */
export async function deleteTree(zk: ZkClient, path: string): Promise<number> {
  const listed = await ignoring("NO_NODE", zk.children(path));
  if (!listed) return 0;
  let deleted = 0;
  for (const child of listed.children) deleted += await deleteTree(zk, `${path}/${child}`);
  // A child made meanwhile fails the delete with NOT_EMPTY: the Job fails, and its next run goes on.
  const gone = await ignoring(
    "NO_NODE",
    zk.remove(path).then(() => true),
  );
  return deleted + (gone ? 1 : 0);
}

/** Removes the quota of `chroot` (its limits and usage znodes), as `delquota` does; true when there was one. */
async function removeQuota(zk: ZkClient, chroot: string): Promise<boolean> {
  const dir = QUOTA_ROOT + chroot;
  let removed = false;
  for (const node of [QUOTA_STATS, QUOTA_LIMITS]) {
    if ((await zk.stat(`${dir}/${node}`)) === null) continue;
    await ignoring("NO_NODE", zk.remove(`${dir}/${node}`));
    removed = true;
  }
  return removed;
}

/** Sets the quota of `chroot` to `quota`: creates the limits and usage znodes together, or rewrites the limits when they differ. */
async function ensureQuota(zk: ZkClient, chroot: string, quota: { bytes?: number; nodes?: number }, superUser: string): Promise<string[]> {
  const changes: string[] = [];
  const acl = quotaAcl(superUser);
  const dir = QUOTA_ROOT + chroot;
  const limits = `${dir}/${QUOTA_LIMITS}`;
  const stats = `${dir}/${QUOTA_STATS}`;
  const want = quotaLimitsText(quota);
  await ensurePath(zk, dir, acl, acl);
  const current = await ignoring("NO_NODE", zk.read(limits));
  if (current === undefined) {
    // Both at once: a run killed in between leaves neither. The server computes the usage when the
    // stats znode is created, whatever it is created with.
    if ((await zk.stat(stats)) !== null) await zk.remove(stats);
    await zk.multi([
      { op: "create", path: limits, data: Buffer.from(want), acl },
      { op: "create", path: stats, data: Buffer.from(statsTrackText({ count: 0, bytes: 0 })), acl },
    ]);
    changes.push(`quota set (${describeQuota(quota)})`);
  } else {
    if ((current.data?.toString("utf8") ?? "") !== want) {
      await zk.setData(limits, Buffer.from(want));
      changes.push(`quota changed (${describeQuota(quota)})`);
    }
    if ((await zk.stat(stats)) === null) {
      await zk.createNode(stats, Buffer.from(statsTrackText({ count: 0, bytes: 0 })), acl);
      changes.push("quota usage tracking restored");
    }
    for (const node of [limits, stats]) if (await ensureAcl(zk, node, acl)) changes.push(`${node} ACL restricted`);
  }
  return changes;
}

function describeQuota(q: { bytes?: number; nodes?: number }): string {
  return [q.nodes !== undefined ? `${q.nodes} nodes` : "", q.bytes !== undefined ? `${q.bytes} bytes` : ""].filter(Boolean).join(", ");
}

/**
 * Converges every tenant of `plan` on the ensemble `zk` is connected to (as the super user `superUser`):
 * a live tenant's chroot exists with its ACL and its quota as declared (none when it declares none); a
 * retired one (deleteData) has neither chroot nor quota. / and /zookeeper/quota are closed to everyone
 * but the super user first (readable by all). Tenants not in the plan are left alone: their data stays.
 */
export async function convergeTenants(
  zk: ZkClient,
  plan: TenantPlanEntry[],
  superUser: string,
  log: (line: string) => void = () => undefined,
): Promise<TenantOutcome[]> {
  // The root and the quota tree are the super user's: with world:anyone's default rights on /, any
  // user could delete an empty chroot (a delete needs the right on the parent) or take a top-level name.
  for (const path of ["/", QUOTA_ROOT]) {
    if (await ensureAcl(zk, path, quotaAcl(superUser))) log(`${path}: ACL restricted to ${superUser}, readable by all`);
  }
  const outcomes: TenantOutcome[] = [];
  for (const t of plan) {
    const changes: string[] = [];
    if (t.deleteData) {
      const deleted = await deleteTree(zk, t.chroot);
      if (deleted > 0) changes.push(`deleted ${t.chroot} (${deleted} znodes)`);
      if (await removeQuota(zk, t.chroot)) changes.push("quota removed");
    } else {
      // The chroot's parents (a chroot such as /apps/kafka) are the super user's: nobody else may list them.
      if (await ensurePath(zk, t.chroot, tenantAcl(t.user), quotaAcl(superUser).slice(0, 1))) changes.push(`created ${t.chroot}`);
      if (await ensureAcl(zk, t.chroot, tenantAcl(t.user))) changes.push(`ACL of ${t.chroot} set to sasl:${t.user} only`);
      if (t.quota && (t.quota.bytes !== undefined || t.quota.nodes !== undefined)) {
        changes.push(...(await ensureQuota(zk, t.chroot, t.quota, superUser)));
      } else if (await removeQuota(zk, t.chroot)) {
        changes.push("quota removed");
      }
    }
    log(`tenant ${t.name}: ${changes.length ? changes.join("; ") : "as declared"}`);
    outcomes.push({ name: t.name, changes });
  }
  return outcomes;
}

/** What a tenant looks like on the ensemble: for checks and reports. */
export async function readTenant(
  zk: ZkClient,
  chroot: string,
): Promise<{ exists: boolean; acl?: AclEntry[]; limits?: Record<string, number>; usage?: Record<string, number> }> {
  const acl = await ignoring("NO_NODE", zk.getAcl(chroot));
  if (!acl) return { exists: false };
  const limits = await ignoring("NO_NODE", zk.read(`${QUOTA_ROOT}${chroot}/${QUOTA_LIMITS}`));
  const usage = await ignoring("NO_NODE", zk.read(`${QUOTA_ROOT}${chroot}/${QUOTA_STATS}`));
  return {
    exists: true,
    acl: acl.acl,
    limits: limits?.data ? parseStatsTrack(limits.data.toString("utf8")) : undefined,
    usage: usage?.data ? parseStatsTrack(usage.data.toString("utf8")) : undefined,
  };
}
