// The tenants as the servers hold them, judged against the plan the stack applied (its `tenantPlan`
// output): one row per tenant. A live tenant's chroot must exist with exactly the ACL the tenants Job
// sets (its user, every right) and the quota declared (none when it declares none); a retired one's
// chroot must be gone. Any difference FAILs the row, whose next step runs the Job again.
//
// Why the Job must be *replaced*: its name carries a digest of the plan, so `pulumi up` with an
// unchanged plan changes nothing and the finished Job never runs again; an ACL opened by hand stays
// open. `pulumi up --replace <the Job's URN>` deletes it and creates it anew (the program gives it
// deleteBeforeReplace), and the new Job converges every tenant again.
import { AclEntry, ZkClient, ZkError } from "../zk-client";
import { QUOTA_LIMITS, QUOTA_ROOT, QUOTA_STATS, parseStatsTrack, tenantAcl } from "../tenants";
import { TenantPlanEntry, TenantsCheck } from "../facts/tenants";
import { Row } from "./types";
import { Bounds } from "./bounds";

/** What the servers hold for one tenant; `error` when it could not be read. */
export interface TenantFound {
  exists: boolean;
  acl?: AclEntry[];
  limits?: Record<string, number>;
  usage?: Record<string, number>;
  /** The chroot's direct children (its stat): the size shown when no quota counts the subtree. */
  children?: number;
  error?: string;
}

/** Usage at or above this share of a hard limit is a warning: the tenant's writes will soon be refused. */
export const QUOTA_WARN_SHARE = 0.9;

const PERMS: [number, string][] = [
  [4, "c"],
  [8, "d"],
  [1, "r"],
  [2, "w"],
  [16, "a"],
];

/** An ACL as zkCli.sh's getAcl names it, one entry per `scheme:id:perms` (perms in its cdrwa order). */
export function formatAcl(acl: AclEntry[]): string {
  if (!acl.length) return "(none)";
  return acl.map((e) => `${e.scheme}:${e.id}:${PERMS.map(([bit, c]) => (e.perms & bit ? c : "")).join("")}`).join(", ");
}

const sorted = (acl: AclEntry[]) => JSON.stringify([...acl].map((e) => `${e.scheme}:${e.id}:${e.perms}`).sort());

function describeQuota(q: { nodes?: number; bytes?: number }): string {
  return [q.nodes !== undefined ? `${q.nodes} nodes` : "", q.bytes !== undefined ? `${q.bytes} bytes` : ""].filter(Boolean).join(", ");
}

/** The hard limits as the servers hold them, undefined for "no limit" (-1). */
function heldQuota(limits: Record<string, number>): { nodes?: number; bytes?: number } {
  const v = (n: number | undefined) => (n === undefined || n < 0 ? undefined : n);
  return { nodes: v(limits.countHardLimit), bytes: v(limits.byteHardLimit) };
}

/**
 * The row of one tenant: FAIL naming every difference and the command that repairs it (`repair`),
 * WARN when its usage nears a limit or it could not be read, ok with its ACL, quota and size.
 */
export function judgeTenant(t: TenantPlanEntry, found: TenantFound, repair: string): Row {
  const row = { check: `tenant:${t.name}`, server: "-" };
  if (found.error !== undefined) {
    return { ...row, result: "WARN", detail: `not checked: reading ${t.chroot} failed: ${found.error}`, notChecked: true };
  }
  if (t.deleteData) {
    if (found.exists) {
      return {
        ...row,
        result: "FAIL",
        detail: `retired (deleteData), but ${t.chroot} still exists: its data was not deleted`,
        next: repair,
      };
    }
    return { ...row, result: "ok", detail: `retired: ${t.chroot} is deleted` };
  }
  if (!found.exists) return { ...row, result: "FAIL", detail: `${t.chroot} does not exist`, next: repair };
  const problems: string[] = [];
  const want = tenantAcl(t.user);
  if (sorted(found.acl ?? []) !== sorted(want)) {
    problems.push(`ACL of ${t.chroot} is ${formatAcl(found.acl ?? [])}, declared ${formatAcl(want)} only`);
  }
  const declared = t.quota && (t.quota.nodes !== undefined || t.quota.bytes !== undefined) ? t.quota : undefined;
  const held = found.limits ? heldQuota(found.limits) : undefined;
  if (declared && !held) problems.push(`no quota on ${t.chroot}, declared ${describeQuota(declared)}`);
  if (!declared && held && (held.nodes !== undefined || held.bytes !== undefined)) {
    problems.push(`a quota of ${describeQuota(held)} on ${t.chroot}, none declared`);
  }
  if (declared && held && (declared.nodes !== held.nodes || declared.bytes !== held.bytes)) {
    problems.push(`quota of ${t.chroot} is ${describeQuota(held) || "no limit"}, declared ${describeQuota(declared)}`);
  }
  if (declared && held && !found.usage)
    problems.push(`the quota's usage is not tracked (${QUOTA_ROOT}${t.chroot}/${QUOTA_STATS} is missing)`);
  if (problems.length) return { ...row, result: "FAIL", detail: problems.join("; "), next: repair };

  const size = found.usage
    ? `${found.usage.count} znodes, ${found.usage.bytes} bytes`
    : `${found.children ?? 0} children (without a quota the subtree is not counted)`;
  const detail = `${t.chroot}: ACL ${formatAcl(want)}; ${declared ? `quota ${describeQuota(declared)}` : "no quota"}; size ${size}`;
  const near: string[] = [];
  if (declared && found.usage) {
    if (declared.nodes !== undefined && found.usage.count >= declared.nodes * QUOTA_WARN_SHARE) {
      near.push(`${found.usage.count} of ${declared.nodes} nodes`);
    }
    if (declared.bytes !== undefined && found.usage.bytes >= declared.bytes * QUOTA_WARN_SHARE) {
      near.push(`${found.usage.bytes} of ${declared.bytes} bytes`);
    }
  }
  if (near.length) {
    return { ...row, result: "WARN", detail: `${detail}; near its quota (${near.join(", ")}): writes past it are refused` };
  }
  return { ...row, result: "ok", detail };
}

const missing = (e: unknown) => e instanceof ZkError && e.code === "NO_NODE";

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (missing(e)) return undefined;
    throw e;
  }
}

/** Reads one tenant as the super user (who passes every ACL), after a sync so a follower answers as the leader would. */
export async function readTenantFound(zk: ZkClient, chroot: string): Promise<TenantFound> {
  try {
    const acl = await orUndefined(zk.getAcl(chroot));
    if (!acl) return { exists: false };
    const [limits, usage] = await Promise.all([
      orUndefined(zk.read(`${QUOTA_ROOT}${chroot}/${QUOTA_LIMITS}`)),
      orUndefined(zk.read(`${QUOTA_ROOT}${chroot}/${QUOTA_STATS}`)),
    ]);
    return {
      exists: true,
      acl: acl.acl,
      children: acl.stat.numChildren,
      limits: limits?.data ? parseStatsTrack(limits.data.toString("utf8")) : undefined,
      usage: usage?.data ? parseStatsTrack(usage.data.toString("utf8")) : undefined,
    };
  } catch (e) {
    return { exists: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * One row per tenant of `check`, read through `connectionString` as `sasl` (the stack's super
 * user); `repair` is the command each failing row names. Without a session, one WARN row says why.
 */
export async function checkTenants(
  connectionString: string,
  sasl: { username: string; password: string } | undefined,
  check: TenantsCheck,
  repair: string,
  bounds: Bounds,
): Promise<Row[]> {
  let zk: ZkClient;
  try {
    zk = await ZkClient.open(connectionString, { connectMs: bounds.connectMs, requestMs: bounds.requestMs, ...(sasl ? { sasl } : {}) });
  } catch (e) {
    return [
      {
        check: "tenants",
        server: "-",
        result: "WARN",
        detail: `not checked: no session as ${sasl?.username ?? "an unauthenticated client"}: ${e instanceof Error ? e.message : String(e)}`,
        notChecked: true,
      },
    ];
  }
  try {
    try {
      await zk.sync("/");
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return [
        { check: "tenants", server: "-", result: "WARN", detail: `not checked: the session's sync failed: ${why}`, notChecked: true },
      ];
    }
    const rows: Row[] = [];
    for (const t of check.tenants) rows.push(judgeTenant(t, await readTenantFound(zk, t.chroot), repair));
    return rows;
  } finally {
    zk.close();
  }
}
