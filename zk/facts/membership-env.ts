// The environment the membership Jobs get (components/zookeeper/membership-jobs.ts) and their code
// reads (jobs/membership.ts): one table, so the two cannot drift apart.
/** `remove` runs before the StatefulSet changes, `add` after it is Ready. */
export type MembershipPhase = "remove" | "add";

export const MEMBERSHIP_ENV = {
  /** `remove` (before the StatefulSet changes) or `add` (after it is Ready). Required. */
  phase: "ZK_MEMBERSHIP_PHASE",
  /** The wanted members' lines, server.<id>=..., one per line (servers 1..replicas). Required. */
  target: "ZK_MEMBERSHIP_TARGET",
  /** host:port[,host:port...] where members answer: the client Service's plaintext port. Required. */
  endpoints: "ZK_MEMBERSHIP_ENDPOINTS",
  /** The servers' own client port, for each member's srvr. Required. */
  clientPort: "ZK_MEMBERSHIP_CLIENT_PORT",
  /** The headless Service's name: it resolves (to not-ready pods too) once any server pod exists. Required. */
  serversName: "ZK_MEMBERSHIP_SERVERS_NAME",
  /** Seconds a new server may take to follow the leader. Optional (default 120). */
  joinWait: "ZK_MEMBERSHIP_JOIN_WAIT_SECONDS",
  /**
   * Optional: host=address[,host=address...], where a member's host is reached instead of through
   * DNS. The Jobs never set it; the tests map pod names to loopback addresses.
   */
  hosts: "ZK_MEMBERSHIP_HOSTS",
  /** The super user and its password, from the ensemble's JAAS Secret. Required. */
  saslUsername: "ZK_SASL_USERNAME",
  saslPassword: "ZK_SASL_PASSWORD",
} as const;
