// The in-cluster jobs' one entry point: `node jobs.js <job>`, the job one of IN_CLUSTER_JOBS
// (zk/facts/jobs.ts), its input in the environment. bundle.ts bundles it into one CommonJS file that
// plain `node` 20 runs with no node_modules beside it; the program puts that file in a ConfigMap
// (components/node-job). A missing or unknown job name exits 2, as a bad environment does.
import { IN_CLUSTER_JOBS, InClusterJob } from "../zk/facts/jobs";
import { runBackupJob } from "./backup";
import { runMembershipJob } from "./membership";
import { runTenantsJob } from "./tenants";
import { runRollJob } from "./roll";

const RUN: Record<InClusterJob, () => Promise<number>> = {
  backup: runBackupJob,
  membership: runMembershipJob,
  tenants: () => runTenantsJob(),
  roll: runRollJob,
};

const job = process.argv[2];
if (!(IN_CLUSTER_JOBS as readonly string[]).includes(job)) {
  process.stderr.write(`usage: node jobs.js ${IN_CLUSTER_JOBS.join("|")} (got ${job === undefined ? "nothing" : `"${job}"`})\n`);
  process.exit(2);
}
void RUN[job as InClusterJob]().then((code) => process.exit(code));
