// The tenants Job's pod against a LocalEnsemble: plain `node` on the committed jobs bundle, with the
// environment the program renders for the Job (renderTenantsJob), but this ensemble's servers and
// super user's password; run to its end, or killed midway (bundled-job.ts). And the super user's
// session the suites check the result with.
import { spawnSync } from "child_process";
import { runBundledJobUntil } from "./bundled-job";
import { ZkClient } from "../zk/zk-client";
import { LocalEnsemble, LOCAL_ADMIN_PASSWORD } from "./zk-ensemble";
import { ADMIN_USER } from "../components/zookeeper/users";
import { renderTenantsJob, TenantInput } from "../components/zookeeper/tenants";
import { JOBS_BUNDLE } from "../components/node-job/bundle-file";
import { TENANTS_ENV } from "../zk/facts/tenants";
import { jobsServerAccess } from "../components/zookeeper/tls";
import { PORTS } from "../components/zookeeper/options";

/**
 * With TLS: the Job as rendered at tls stage `on` (the secure port, the CA's env), run against this
 * ensemble's servers by their FQDNs (which their certificates name) on the secure port, mapped to their
 * loopback addresses by ZK_HOSTS, trusting `caFile`.
 */
export interface TenantsJobTls {
  caFile: string;
}

/** The Job as the program renders it for `tenants` on this ensemble (its name carries the plan's digest). */
export function renderedTenantsJob(zk: LocalEnsemble, tenants: TenantInput[], tls?: TenantsJobTls) {
  const access = jobsServerAccess(tls ? "on" : "off", "zk-tls");
  return renderTenantsJob(
    {
      namespace: zk.settings.namespace,
      names: zk.settings.names,
      tenants,
      clientEndpoint: `rendered:${access.port}`,
      admin: { username: ADMIN_USER, passwordSecret: { name: "zk-admin", key: "admin-password" } },
      ...(access.tls ? { tls: access.tls } : {}),
    },
    "code",
  );
}

/** The container's environment: the rendered one, with this ensemble's servers and the admin password the Secret would give. */
export function tenantsJobEnv(zk: LocalEnsemble, tenants: TenantInput[], tls?: TenantsJobTls): Record<string, string> {
  const container = renderedTenantsJob(zk, tenants, tls).spec.template.spec.containers[0];
  if (container.command.slice(2).join(" ") !== "tenants")
    throw new Error(`the Job runs ${container.command.join(" ")}, not the tenants job`);
  const env: Record<string, string> = {};
  for (const e of container.env) env[e.name] = "value" in e && e.value !== undefined ? e.value : "";
  env[TENANTS_ENV.saslPassword] = LOCAL_ADMIN_PASSWORD;
  if (!tls) {
    env[TENANTS_ENV.servers] = zk.connect();
  } else {
    if (!(TENANTS_ENV.tlsCaFile in env)) throw new Error(`the Job rendered with TLS has no ${TENANTS_ENV.tlsCaFile}`);
    env[TENANTS_ENV.tlsCaFile] = tls.caFile;
    env[TENANTS_ENV.servers] = zk.servers.map((s) => `${s.fqdn}:${PORTS.secureClient}`).join(",");
    env[TENANTS_ENV.hosts] = zk.servers.map((s) => `${s.fqdn}=${s.address}`).join(",");
  }
  return { PATH: process.env.PATH ?? "", ...env };
}

/** Runs the Job to its end (bounded: 60 s). */
export function runTenantsJob(zk: LocalEnsemble, tenants: TenantInput[], tls?: TenantsJobTls): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [JOBS_BUNDLE, "tenants"], {
    env: tenantsJobEnv(zk, tenants, tls),
    encoding: "utf8",
    timeout: 60000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Runs the Job and kills it (SIGKILL) as soon as its output matches `at`; bounded (60 s). */
export function runTenantsJobUntil(zk: LocalEnsemble, tenants: TenantInput[], at: RegExp): Promise<{ killed: boolean; output: string }> {
  return runBundledJobUntil("tenants", tenantsJobEnv(zk, tenants), at);
}

/** A session of the super user on any server, synced with the leader first, for `fn`; closed after. */
export async function asAdmin<T>(zk: LocalEnsemble, fn: (c: ZkClient) => Promise<T>): Promise<T> {
  const c = await ZkClient.open(zk.connect(), {
    connectMs: 8000,
    requestMs: 8000,
    sasl: { username: ADMIN_USER, password: LOCAL_ADMIN_PASSWORD },
  });
  try {
    await c.sync("/");
    return await fn(c);
  } finally {
    c.close();
  }
}
