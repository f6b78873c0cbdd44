import { ZooKeeperTunables, PORTS, DATA_PATHS } from "./options";
import { tlsZooCfgLines } from "./tls";
import { saslZooCfgLines } from "./client-auth";
import { membershipZooCfgLines } from "./membership";
import type { MembershipMode } from "./transitions";
import type { TlsStage } from "./transitions";
import { metricsZooCfgLines } from "./metrics";
import { tenantsZooCfgLines } from "./tenants";

/**
 * Four-letter words the probes and the tutorial's checks use. Since 3.5 only `srvr` is allowed by
 * default, and a `ruok` liveness probe would then never pass.
 */
const FOUR_LETTER_WORDS = ["ruok", "srvr", "stat", "mntr", "conf"] as const;

/** Where the AdminServer listens in a pod: loopback, so no other pod reaches it. */
const ADMIN_SERVER_ADDRESS = "127.0.0.1";

/** Where the plaintext client port listens when clients use TLS: loopback. */
const PLAINTEXT_WITH_TLS_ADDRESS = "127.0.0.1";

export interface ZooCfgInput {
  /** Each server's FQDN, in ordinal order; server N+1 is the pod with ordinal N. */
  serverFqdns: string[];
  tunables: ZooKeeperTunables;
  dataDir?: string;
  dataLogDir?: string;
  /**
   * Only for running several servers on one host (the integration tests): binds the client port
   * to this address, as a pod's own IP would...
   */
  bindAddress?: string;
  /** ...and the AdminServer to this one instead of the pod's loopback. */
  adminServerAddress?: string;
  /** TLS: the directory of the keystore and truststore zk-tls.sh builds. */
  tls?: { storeDir: string; stage?: Exclude<TlsStage, "off"> };
  /** Every session must authenticate with SASL (the JAAS file comes from the start script). */
  clientAuth?: boolean;
  /**
   * `dynamic`: no server list; reconfig on, and the super user (SASL) that may use it. The start
   * script adds the live membership. Defaults to `static`.
   */
  membership?: MembershipMode;
  /** The Prometheus exporter (the image ships it; without its jars on the classpath the server fails to start). */
  metrics?: boolean;
  /** Tenants are declared: quotas are enforced (tenants.ts). */
  tenants?: boolean;
}

/**
 * zoo.cfg, understood by ZooKeeper 3.8 and 3.9 alike. One server renders no server list, which
 * makes ZooKeeper run standalone. quorumListenOnAllIPs stays off (an unsafe option in the admin
 * guide): the headless Service publishes not-ready addresses, so each server resolves its own FQDN
 * to its pod IP and binds there.
 */
export function renderZooCfg(input: ZooCfgInput): string {
  const t = input.tunables;
  const lines = [
    "# Rendered by kind-zookeeper; a change makes a new ConfigMap and rolls the servers one at a time.",
    `tickTime=${t.tickTime}`,
    `initLimit=${t.initLimit}`,
    `syncLimit=${t.syncLimit}`,
    `dataDir=${input.dataDir ?? DATA_PATHS.dataDir}`,
    `dataLogDir=${input.dataLogDir ?? DATA_PATHS.dataLogDir}`,
    `clientPort=${PORTS.client}`,
    `maxClientCnxns=${t.maxClientCnxns}`,
    `minSessionTimeout=${t.minSessionTimeout}`,
    `maxSessionTimeout=${t.maxSessionTimeout}`,
    `autopurge.snapRetainCount=${t.snapRetainCount}`,
    `autopurge.purgeInterval=${t.purgeInterval}`,
    `4lw.commands.whitelist=${FOUR_LETTER_WORDS.join(",")}`,
    // The AdminServer (Jetty, 0.0.0.0:8080 by default) has no client authentication: only the pod
    // itself may reach it. Its 3.9 snapshot and restore commands are off (backups are logical).
    `admin.serverAddress=${input.adminServerAddress ?? ADMIN_SERVER_ADDRESS}`,
    `admin.serverPort=${PORTS.admin}`,
    "admin.snapshot.enabled=false",
    "admin.restore.enabled=false",
  ];
  if (input.tls) {
    // Clients use the secure port once TLS is on; the plaintext one then serves the pod itself
    // (probes, port-forward). While TLS is being turned on, clients may use either.
    const stage = input.tls.stage ?? "on";
    const plaintextAddress = stage === "on" ? (input.bindAddress ?? PLAINTEXT_WITH_TLS_ADDRESS) : input.bindAddress;
    if (plaintextAddress !== undefined) lines.push(`clientPortAddress=${plaintextAddress}`);
    lines.push(`secureClientPort=${PORTS.secureClient}`);
    if (input.bindAddress !== undefined) lines.push(`secureClientPortAddress=${input.bindAddress}`);
    lines.push(...tlsZooCfgLines(input.tls.storeDir, stage));
  } else if (input.bindAddress !== undefined) {
    lines.push(`clientPortAddress=${input.bindAddress}`);
  }
  const dynamic = input.membership === "dynamic";
  if (input.clientAuth || dynamic) lines.push(...saslZooCfgLines({ enforce: input.clientAuth === true }));
  if (input.tenants) lines.push(...tenantsZooCfgLines());
  // The exporter listens on every address of the pod (or the one given): Prometheus scrapes the pod IP.
  if (input.metrics) lines.push(...metricsZooCfgLines(input.bindAddress));
  if (dynamic) {
    lines.push(...membershipZooCfgLines());
  } else if (input.serverFqdns.length > 1) {
    input.serverFqdns.forEach((fqdn, ordinal) => lines.push(`server.${ordinal + 1}=${fqdn}:${PORTS.server}:${PORTS.leaderElection}`));
  }
  return lines.join("\n") + "\n";
}
