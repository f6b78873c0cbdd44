// How the servers restart when the pod template changes (issue 24): the one list the setting, the
// ensemble's argument and the renders share.

/**
 * `leader-last`: the StatefulSet takes the new template without restarting anything (updateStrategy
 * OnDelete) and the roll Job (roll-job.ts, zk/roll.ts) restarts the servers one at a time, followers
 * first, each next only once the restarted one is Ready and counted synced by the leader, the leader
 * last: one election per roll. `ordinal`: the StatefulSet's own RollingUpdate, highest ordinal first,
 * whoever leads: no Job and no API access, but up to one election per server.
 */
export const ROLL_ORDERS = ["leader-last", "ordinal"] as const;
export type RollOrder = (typeof ROLL_ORDERS)[number];
