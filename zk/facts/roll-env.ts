// The environment the roll Job gets (rendered by the program with rollOrder leader-last) and its code
// reads (jobs/roll.ts): one table, so the two cannot drift apart.
import { JOB_TLS_ENV } from "./tls-client";

export const ROLL_ENV = {
  /** The StatefulSet whose pods roll. Required. */
  statefulSet: "ZK_ROLL_STATEFULSET",
  /** Its namespace. Required (the Job sets it from the downward API's metadata.namespace). */
  namespace: "ZK_ROLL_NAMESPACE",
  /** Its replicas: the servers zk-0 .. zk-<replicas-1>. Required. */
  replicas: "ZK_ROLL_REPLICAS",
  /** The pods' label selector (key=value[,key=value...]). Required. */
  selector: "ZK_ROLL_SELECTOR",
  /** The domain under which server i answers as <statefulSet>-<i>.<domain>: the headless Service's FQDN. Required. */
  serversDomain: "ZK_ROLL_SERVERS_DOMAIN",
  /** The servers' client port for srvr and mntr: the plaintext one, or the secure one with tlsCaFile. Required. */
  clientPort: "ZK_ROLL_CLIENT_PORT",
  /**
   * Optional: a PEM file of the ensemble's CA. Set (TLS stages prefer and on, tls-client.ts
   * jobsDialTls), the Job asks over TLS, verifying each server's certificate against its FQDN.
   */
  tlsCaFile: JOB_TLS_ENV.caFile,
  /** Seconds one wait may last (a restarted server coming back and syncing). Optional (default 300). */
  waitSeconds: "ZK_ROLL_WAIT_SECONDS",
  /**
   * Optional: host=address[,host=address...], where a server's host is reached instead of through
   * DNS. The Job never sets it; the tests map pod names to loopback addresses.
   */
  hosts: "ZK_ROLL_HOSTS",
} as const;

/** The label the StatefulSet controller puts on each pod: the revision it was made from (apps/v1 StatefulSetRevisionLabel). */
export const POD_REVISION_LABEL = "controller-revision-hash";
