// The tenants: what the program declares (components/zookeeper/tenants.ts renders it into the Job's
// environment) and the tenants Job applies (jobs/tenants.ts, zk/tenants.ts). One table and one
// shape, so the two cannot drift apart.
import { JOB_TLS_ENV } from "./tls-client";

/** A tenant as the Job applies it: everything it needs, and no password (the Job works as the super user). */
export interface TenantPlanEntry {
  name: string;
  /** The SASL user the chroot's ACL names (`sasl:<user>`, all rights). */
  user: string;
  /** Absolute path of the tenant's znode, e.g. /kafka. */
  chroot: string;
  /** Hard limits on the chroot's subtree (the chroot itself counts as one node); none when absent. */
  quota?: { bytes?: number; nodes?: number };
  /** Retired: the Job deletes the chroot and its quota instead of provisioning it. */
  deleteData: boolean;
}

/**
 * The stack output `tenantPlan`: what `npm run verify` checks the tenants against (every tenant of
 * the plan, retired ones included) and the URN of the Job that applies it, for the command that
 * runs it again.
 */
export interface TenantsCheck {
  jobUrn: string;
  tenants: TenantPlanEntry[];
}

export const TENANTS_ENV = {
  /** The plan: a JSON array of TenantPlanEntry. Required. */
  plan: "ZK_TENANTS",
  /** host:port[,host:port...] of the ensemble: the client Service's plaintext port, or its secure one with tlsCaFile. Required. */
  servers: "ZK_SERVERS",
  /**
   * Optional: a PEM file of the ensemble's CA. Set (TLS stages prefer and on, tls-client.ts
   * jobsDialTls), the Job connects over TLS, verifying the server's certificate against the host of `servers`.
   */
  tlsCaFile: JOB_TLS_ENV.caFile,
  /**
   * Optional: host=address[,host=address...], where a host of `servers` is dialled instead of through
   * DNS (TLS still verifies the host's name). The Job never sets it; the tests map names to loopback.
   */
  hosts: "ZK_HOSTS",
  /** The super user and its password, from the ensemble's admin Secret. Required. */
  saslUsername: "ZK_SASL_USERNAME",
  saslPassword: "ZK_SASL_PASSWORD",
  /** Optional: seconds to wait for a session and for each request (default 10). */
  timeout: "ZK_TIMEOUT_SECONDS",
} as const;

/** All rights: read 1, write 2, create 4, delete 8, admin 16. */
export const ALL_PERMS = 31;
