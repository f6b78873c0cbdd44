// TLS between the in-cluster jobs (roll, tenants) and the servers' secure client port: the servers'
// protocols (components/zookeeper/tls.ts renders them into zoo.cfg) and the client's minimum, the
// jobs' environment for it, and which client port a job dials at each TLS stage. One place, so the
// program, the servers' zoo.cfg and the jobs' client cannot drift apart.

/** The protocols the servers enable on their secure ports (zoo.cfg ssl.enabledProtocols), newest first. */
export const SERVER_TLS_PROTOCOLS = ["TLSv1.3", "TLSv1.2"] as const;

/** The oldest protocol the jobs' client accepts: the oldest the servers enable (Node's tls minVersion). */
export const CLIENT_TLS_MIN_VERSION: (typeof SERVER_TLS_PROTOCOLS)[number] = SERVER_TLS_PROTOCOLS[SERVER_TLS_PROTOCOLS.length - 1];

/**
 * The jobs' environment for TLS: set, the job dials the secure client port with TLS, trusting only
 * this CA (a PEM file: `ca.crt` of the ensemble's TLS Secret, mounted alone) and verifying each
 * server's name; unset, it dials the plaintext client port.
 */
export const JOB_TLS_ENV = {
  caFile: "ZK_TLS_CA_FILE",
} as const;

/** Where a job pod mounts `ca.crt` of the TLS Secret (only that key). */
export const JOB_CA_MOUNT = { dir: "/etc/zookeeper-ca", file: "ca.crt" } as const;

/** The TLS stages (components/zookeeper/transitions.ts TLS_STAGES), as the jobs' port rule reads them. */
type Stage = "off" | "accept" | "prefer" | "on";

/**
 * Whether a job that talks to every server (the roll Job while half of them still run the previous
 * stage, the tenants Job) dials TLS at this stage. It must reach the servers of this stage and of
 * either neighbour (a running ensemble moves one stage per update: transitions.ts). The plaintext
 * client port listens on the pod's address at off, accept and prefer, on loopback only at on; the
 * secure one exists from accept on (zoocfg.ts). So at off and accept only plaintext reaches both
 * neighbours (off has no secure port), at prefer and on only TLS does (on has no plaintext port
 * other pods reach).
 */
export function jobsDialTls(stage: Stage): boolean {
  return stage === "prefer" || stage === "on";
}
