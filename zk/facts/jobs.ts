// The in-cluster jobs: one bundled script (jobs/main.ts, bundled by jobs/bundle.ts) that the pods run
// as `node jobs.js <job>`. The program renders that command line (components/node-job/pod.ts), the
// script dispatches on it: one list, so the two cannot drift apart.
export const IN_CLUSTER_JOBS = ["backup", "membership", "tenants", "roll"] as const;

export type InClusterJob = (typeof IN_CLUSTER_JOBS)[number];
