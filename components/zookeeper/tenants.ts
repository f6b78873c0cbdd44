// Tenants: each client application gets its own chroot, SASL user, ACL and quota, and a Secret with
// everything its client needs. The ensemble adds each tenant's user to the JAAS Secret the servers
// mount (client-auth.ts: read at start only, so a change of tenants rolls the servers, as a change of
// clientUsers does); the tenants Job (jobs/tenants.ts, zk/tenants.ts) creates the chroots, sets the
// ACLs and quotas, and deletes the data of retired tenants. It runs after the StatefulSet is Ready,
// like the membership `add` Job, and its name carries a digest of what it does (see membership-jobs.ts).
import type * as pulumi from "@pulumi/pulumi";
import { EnsembleNames } from "./names";
import { ADMIN_USER, ClientUser } from "./users";
import { MANAGED_BY } from "../managed-by";
import { renderNodeJob, renderNodeJobConfigMap } from "../node-job/pod";
import { digest, jobName } from "./membership-jobs";
import { TENANTS_ENV, TenantPlanEntry } from "../../zk/facts/tenants";
import type { JobTls } from "./tls";

/** A tenant as declared (the `tenants` setting, the ensemble's `tenants` argument). */
export interface TenantInput {
  /** Names the Secret (`zk-tenant-<name>`) and the SASL user (`-` becomes `_`). */
  name: string;
  /** The tenant's znode. Defaults to `/<name>`. */
  chroot?: string;
  /** Hard limits on the chroot's subtree; the chroot itself counts as one node. Defaults to none. */
  quota?: { bytes?: number; nodes?: number };
  /** Retire the tenant: no user, no Secret, and the Job deletes its chroot and quota. Defaults to false. */
  deleteData?: boolean;
  /**
   * The namespace of the tenant's Secret, where its application runs. Defaults to the ensemble's.
   * It must exist: the program creates only the ensemble's namespace.
   */
  secretNamespace?: string;
}

/**
 * A name: a DNS label (it names a Secret, `<prefix>zk-tenant-<name>`) of at most 40 characters,
 * starting with a letter, so that the SASL user made from it (`-` -> `_`) is a JAAS option name.
 */
export const TENANT_NAME = /^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$/;
/** A chroot segment: characters a connection string and a shell carry as they are. */
const CHROOT = /^(\/[A-Za-z0-9_][A-Za-z0-9._-]*)+$/;
const KEYS = ["name", "chroot", "quota", "deleteData", "secretNamespace"];
/** A namespace name: a DNS label (RFC 1123) of at most 63 characters, as Kubernetes checks it. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const QUOTA_KEYS = ["bytes", "nodes"];
/** ZooKeeper's limit of a quota's count (StatsTrack holds longs, setquota parses -N as an int). */
const MAX_NODES = 2 ** 31 - 1;

/** The SASL user of a tenant: its name with `-` as `_` (JAAS option names take no `-`). */
export function tenantUser(name: string): string {
  return name.replace(/-/g, "_");
}

export function tenantChroot(t: TenantInput): string {
  return t.chroot ?? `/${t.name}`;
}

/** Whether one chroot is the other or lies under it. */
function nested(a: string, b: string): boolean {
  return a === b || a.startsWith(b + "/") || b.startsWith(a + "/");
}

/**
 * What is wrong with a tenants list (parsed JSON); undefined when nothing is. Each message names the
 * entry and the field, and says what would do.
 */
export function tenantsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value)) return "must be a list of tenants";
  const names = new Map<string, number>();
  const chroots: { chroot: string; entry: number }[] = [];
  for (const [i, t] of value.entries()) {
    const which = `entry ${i + 1}`;
    if (typeof t !== "object" || t === null || Array.isArray(t)) return `${which} must be an object such as {"name": "kafka"}`;
    const unknown = Object.keys(t).filter((k) => !KEYS.includes(k));
    if (unknown.length) return `${which} has ${unknown.map((k) => `"${k}"`).join(", ")}: a tenant has only ${KEYS.join(", ")}`;
    const { name, chroot, quota, deleteData, secretNamespace } = t as Record<string, unknown>;
    if (typeof name !== "string" || !TENANT_NAME.test(name)) {
      return `${which}: name must be 1-40 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit (it names a Kubernetes Secret and a SASL user), got ${JSON.stringify(name)}`;
    }
    const of = `tenant ${name}`;
    if (tenantUser(name) === ADMIN_USER) return `${of}: ${ADMIN_USER} is the program's own super user`;
    const user = tenantUser(name);
    if (names.has(user)) return `${of} is listed twice (entries ${names.get(user)! + 1} and ${i + 1})`;
    names.set(user, i);
    if (chroot !== undefined) {
      if (typeof chroot !== "string" || !CHROOT.test(chroot) || chroot.split("/").some((seg) => seg === "." || seg === "..")) {
        return `${of}: chroot must be an absolute znode path such as /apps/kafka (segments of letters, digits, '.', '_' or '-', no trailing '/'), got ${JSON.stringify(chroot)}`;
      }
      if (chroot === "/zookeeper" || chroot.startsWith("/zookeeper/"))
        return `${of}: chroot must not be under /zookeeper, ZooKeeper's own tree`;
    }
    const path = tenantChroot({ name, chroot: chroot as string | undefined });
    const clash = chroots.find((c) => nested(c.chroot, path));
    if (clash) {
      return `${of}: its chroot ${path} ${clash.chroot === path ? "is" : "overlaps"} entry ${clash.entry + 1}'s ${clash.chroot}: chroots must not nest (an ACL on one would govern the other's data)`;
    }
    chroots.push({ chroot: path, entry: i });
    if (quota !== undefined) {
      if (typeof quota !== "object" || quota === null || Array.isArray(quota))
        return `${of}: quota must be an object such as {"nodes": 10000, "bytes": 50000000}`;
      const extra = Object.keys(quota).filter((k) => !QUOTA_KEYS.includes(k));
      if (extra.length) return `${of}: quota has ${extra.map((k) => `"${k}"`).join(", ")}: a quota has only bytes and nodes`;
      const q = quota as Record<string, unknown>;
      if (q.bytes === undefined && q.nodes === undefined) return `${of}: quota must set bytes, nodes or both (leave quota out for none)`;
      for (const key of QUOTA_KEYS) {
        const v = q[key];
        if (v !== undefined && (!Number.isSafeInteger(v) || (v as number) < 1 || (key === "nodes" && (v as number) > MAX_NODES))) {
          return `${of}: quota.${key} must be a whole number from 1${key === "nodes" ? ` to ${MAX_NODES}` : ""}, got ${JSON.stringify(v)}`;
        }
      }
    }
    if (deleteData !== undefined && typeof deleteData !== "boolean")
      return `${of}: deleteData must be true or false, got ${JSON.stringify(deleteData)}`;
    if (secretNamespace !== undefined && (typeof secretNamespace !== "string" || !NAMESPACE.test(secretNamespace))) {
      return `${of}: secretNamespace must be a namespace name (1-63 lowercase letters, digits or '-', starting and ending with a letter or digit), got ${JSON.stringify(secretNamespace)}`;
    }
  }
  return undefined;
}

/** The tenants of a valid JSON text (see tenantsProblem). */
export function parseTenants(text: string): TenantInput[] {
  return JSON.parse(text) as TenantInput[];
}

/** The tenants that have a user and a Secret: every one not retired. */
export function liveTenants(tenants: readonly TenantInput[]): TenantInput[] {
  return tenants.filter((t) => !t.deleteData);
}

/** The Job's plan: every tenant, live or retired, with its user and chroot resolved. */
export function tenantPlan(tenants: readonly TenantInput[]): TenantPlanEntry[] {
  return tenants.map((t) => ({
    name: t.name,
    user: tenantUser(t.name),
    chroot: tenantChroot(t),
    ...(t.quota ? { quota: t.quota } : {}),
    deleteData: t.deleteData ?? false,
  }));
}

/** The JAAS users the live tenants add to the servers' `Server` section. */
export function tenantJaasUsers(tenants: readonly TenantInput[], passwords: Record<string, string>): ClientUser[] {
  return liveTenants(tenants).map((t) => ({ name: tenantUser(t.name), password: passwords[t.name] }));
}

/** A client's JAAS file: the `Client` section ZooKeeper's Java client reads (its default context name). */
export function renderClientJaas(user: string, password: string): string {
  return `Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="${user}"\n  password="${password}";\n};\n`;
}

/** The Secret's keys. */
export const TENANT_SECRET_KEYS = {
  connectionString: "connectionString",
  chroot: "chroot",
  user: "user",
  password: "password",
  jaas: "jaas.conf",
  jvmFlags: "jvmFlags",
  ca: "ca.crt",
} as const;

/**
 * What a Java client (3.9) needs besides `-Djava.security.auth.login.config=<the mounted jaas.conf>`:
 * 3.9's default zookeeper.fips-mode=true refuses DIGEST-MD5 ("saslClient failed to initialize").
 */
export const TENANT_CLIENT_JVM_FLAGS = "-Dzookeeper.fips-mode=false";

/**
 * What a Java client (3.9) needs besides to use the secure client port, when the connection string
 * names it (tls stage on): TLS (zookeeper.client.secure), which only the Netty socket speaks
 * (zookeeper.clientCnxnSocket), and a PEM trust store. Where the Secret's `ca.crt` is mounted is the
 * application's: it adds `-Dzookeeper.ssl.trustStore.location=<the mounted ca.crt>` (docs/tenants.md).
 * Hostname verification stays on (zookeeper.ssl.hostnameVerification defaults to true) and with
 * fips-mode false ZooKeeper's own trust manager checks the server's name.
 */
export const TENANT_CLIENT_TLS_JVM_FLAGS = [
  "-Dzookeeper.client.secure=true",
  "-Dzookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty",
  "-Dzookeeper.ssl.trustStore.type=PEM",
].join(" ");

export interface TenantConnection {
  connectionString: string;
  chroot: string;
  user: string;
  password: string;
  "jaas.conf": string;
  jvmFlags: string;
  "ca.crt"?: string;
}

/**
 * What a tenant's client needs: the servers with the chroot, the user, the password, a JAAS Client
 * section, the CA with TLS; `secure` when `servers` names the secure client port (tls stage on), and
 * jvmFlags then turn on the Java client's TLS.
 */
export function tenantConnection(
  t: TenantInput,
  servers: string,
  password: string,
  caCertificate?: string,
  secure = false,
): TenantConnection {
  const user = tenantUser(t.name);
  return {
    connectionString: `${servers}${tenantChroot(t)}`,
    chroot: tenantChroot(t),
    user,
    password,
    "jaas.conf": renderClientJaas(user, password),
    jvmFlags: secure ? `${TENANT_CLIENT_JVM_FLAGS} ${TENANT_CLIENT_TLS_JVM_FLAGS}` : TENANT_CLIENT_JVM_FLAGS,
    ...(caCertificate !== undefined ? { "ca.crt": caCertificate } : {}),
  };
}

export function tenantSecretName(names: EnsembleNames, tenant: string): string {
  return `${names.statefulSet}-tenant-${tenant}`;
}

export function tenantLabels(names: EnsembleNames): Record<string, string> {
  return {
    "app.kubernetes.io/name": "zookeeper-tenants",
    "app.kubernetes.io/instance": names.statefulSet,
    "app.kubernetes.io/component": "tenants",
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

/** The namespace of a tenant's Secret: its own `secretNamespace`, else the ensemble's. */
export function tenantSecretNamespace(t: TenantInput, ensembleNamespace: string): string {
  return t.secretNamespace ?? ensembleNamespace;
}

/**
 * A tenant's Secret: its connection, in its `secretNamespace` (default the ensemble's). Mutable: a
 * new password or server list updates it in place; a new namespace replaces it.
 */
export function renderTenantSecret(ensembleNamespace: string, names: EnsembleNames, tenant: TenantInput, connection: TenantConnection) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name: tenantSecretName(names, tenant.name),
      namespace: tenantSecretNamespace(tenant, ensembleNamespace),
      labels: tenantLabels(names),
    },
    type: "Opaque",
    immutable: false,
    stringData: { ...connection } as Record<string, string>,
  };
}

/** Bounds, as the membership Jobs': the Job gives up before Pulumi stops waiting (10 minutes); a killed pod is run again. */
export const TENANTS_JOB_LIMITS = { activeDeadlineSeconds: 300, backoffLimit: 3 } as const;

export function tenantsJobBase(names: EnsembleNames): string {
  return `${names.statefulSet}-tenants`;
}

/** The bundled jobs in an immutable ConfigMap named by its digest (as the membership Jobs'). */
export function renderTenantsConfigMap(namespace: string, names: EnsembleNames, bundle: string) {
  return renderNodeJobConfigMap(namespace, tenantsJobBase(names), tenantLabels(names), bundle);
}

export interface TenantsJobInput {
  namespace: string;
  names: EnsembleNames;
  tenants: readonly TenantInput[];
  /** host:port of the client Service's port the Job uses: plaintext, or the secure one with `tls` (tls.ts jobsServerAccess). */
  clientEndpoint: string;
  admin: { username: string; passwordSecret: { name: pulumi.Input<string>; key: string } };
  /** TLS (stages prefer and on): the CA's environment and volume. */
  tls?: JobTls<pulumi.Input<string>>;
}

/**
 * The Job. Its name carries a digest of the plan, the endpoint and the code: a change of any tenant
 * makes a new Job (which runs once), an unchanged list leaves the Job be; a change of passwords
 * alone (the servers' JAAS file) reruns nothing, as the Job works as the super user.
 */
export function renderTenantsJob(input: TenantsJobInput, configMapName: string) {
  const labels = tenantLabels(input.names);
  const plan = JSON.stringify(tenantPlan(input.tenants));
  const env = [
    { name: TENANTS_ENV.plan, value: plan },
    { name: TENANTS_ENV.servers, value: input.clientEndpoint },
    { name: TENANTS_ENV.saslUsername, value: input.admin.username },
    { name: TENANTS_ENV.saslPassword, valueFrom: { secretKeyRef: input.admin.passwordSecret } },
    ...(input.tls?.env ?? []),
  ];
  return renderNodeJob({
    name: jobName(tenantsJobBase(input.names), digest(plan, input.clientEndpoint, configMapName)),
    namespace: input.namespace,
    labels,
    limits: TENANTS_JOB_LIMITS,
    pod: { job: "tenants", env, codeConfigMap: configMapName, ...(input.tls ? { volumes: input.tls.volumes } : {}) },
  });
}

/** zoo.cfg lines with tenants: quotas become limits (ZooKeeperServer.enforceQuota, read from zookeeper.enforceQuota). */
export function tenantsZooCfgLines(): string[] {
  return ["enforceQuota=true"];
}
