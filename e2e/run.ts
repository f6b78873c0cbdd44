// `npm run e2e -- [--timings <file>]`: the end-to-end suite, for a machine with Docker (or Podman),
// kind v0.32.0 and the Pulumi CLI. It deploys the project's program on a kind cluster of its own,
// through the Automation API with a throwaway backend (e2e/stack.ts), then:
//   verify passes; every object the tutorial names exists; the host endpoint serves; the
//   NetworkPolicy is enforced (a probe pod without the servers' labels: e2e/network-policy.ts);
//   drills, each with a continuous writer and every acknowledged write read back through every
//   server: delete a pod, kill the leader's JVM, drain a node, delete the StatefulSet and
//   `up --refresh`, change tickTime (a rolling restart); verify passes again;
// and always, also after a failure: `pulumi destroy`, then no kind cluster and no stack is left.
// It prints each phase's time as it ends and writes them all as JSON (default e2e-timings.json).
// Exit code: 0 every phase passed; 1 a phase failed; 2 a prerequisite is missing or the command line
// is wrong (nothing was run).
// Not part of `npm test`: it needs a container engine and takes a quarter of an hour or more.
import * as path from "path";
import { helpText, parseCommandLine, UsageError, usageErrorText } from "../ops/lib/cli-args";
import { E2E } from "../ops/lib/commands";
import { checkImages, checkPrerequisites, containerEngine, describeFindings } from "../ops/lib/prerequisites";
import { stackImages } from "../ops/lib/images";
import { runKind } from "../components/kind/kind-cli";
import { hostEndpoint, nothingLeft, runVerify, tutorialObjects } from "./checks";
import { firstUp } from "./deploy";
import { networkPolicyEnforced } from "./network-policy";
import { backupNow, scrapeMetrics } from "./observe";
import { deletePod } from "./drills/delete-pod";
import { deleteStatefulSet } from "./drills/delete-statefulset";
import { drainNode } from "./drills/drain-node";
import { killLeader } from "./drills/kill-leader";
import { rollTickTime } from "./drills/roll-tick-time";
import { e2eSettings, ThrowawayStack } from "./stack";
import { Timings } from "./timings";
import { Phase, runPhases } from "./phases";

const PROJECT_DIR = path.join(__dirname, "..");
/** A first up pulls the kind node image and the ZooKeeper image: generous, but bounded. */
const UP_TIMEOUT_MS = 25 * 60 * 1000;
const DESTROY_TIMEOUT_MS = 10 * 60 * 1000;

function parseArgs(argv: string[]): { timingsFile: string; help: boolean } {
  const line = parseCommandLine(E2E, argv);
  return { timingsFile: path.resolve(line.value("timings") ?? "e2e-timings.json"), help: line.help };
}

let interrupted = false;

/** Stops between phases after a Ctrl-C (pulumi, in the same process group, cancels its own run), so teardown still runs. */
function stopIfInterrupted(): void {
  if (interrupted) throw new Error("interrupted (Ctrl-C)");
}

async function main(argv: string[]): Promise<number> {
  const { timingsFile, help } = parseArgs(argv);
  if (help) {
    process.stdout.write(helpText(E2E));
    return 0;
  }
  const findings = await checkPrerequisites(["container-engine", "kind", "pulumi"]);
  if (findings.every((f) => f.ok)) findings.push(...(await checkImages(stackImages(e2eSettings("", 0)))));
  console.log(`Prerequisites:\n${describeFindings(findings)}`);
  if (findings.some((f) => !f.ok)) {
    console.error(
      `\nThe end-to-end suite cannot run: ${findings
        .filter((f) => !f.ok)
        .map((f) => f.tool)
        .join(", ")} missing (above). Nothing was run, nothing passed.`,
    );
    return 2;
  }
  const engine = containerEngine(process.env);

  const timings = new Timings();
  const stack = await ThrowawayStack.create(PROJECT_DIR);
  console.log(`Stack ${stack.name}, kind cluster ${stack.clusterName}, host endpoint 127.0.0.1:${stack.hostPort}; state in ${stack.dir}`);
  process.on("SIGINT", () => {
    if (interrupted) {
      console.error(`\nInterrupted twice: leaving now. Delete the cluster with: kind delete cluster --name ${stack.clusterName}`);
      process.exit(130);
    }
    interrupted = true;
    console.error("\nInterrupted: the suite stops after this phase and tears down (Ctrl-C again to leave at once).");
  });

  try {
    const { outputs, kube } = await firstUp(stack, timings, engine, UP_TIMEOUT_MS);
    const ctx = { kube, stack, engine, hostEndpoint: `127.0.0.1:${stack.hostPort}`, upTimeoutMs: UP_TIMEOUT_MS };
    const phases: Phase[] = [
      { kind: "check", name: "verify", work: () => runVerify(PROJECT_DIR, stack) },
      { kind: "check", name: "tutorial objects", work: () => tutorialObjects(kube) },
      { kind: "check", name: "host endpoint", work: () => hostEndpoint(stack, outputs) },
      { kind: "check", name: "metrics: every server's /metrics", work: () => scrapeMetrics(kube) },
      { kind: "check", name: "NetworkPolicy enforced", work: () => networkPolicyEnforced({ kube, stack, outputs }) },
      { kind: "check", name: "scheduled backup: one run now", work: () => backupNow(kube) },
      { kind: "drill", name: "drill: delete a pod", work: () => deletePod(ctx) },
      { kind: "drill", name: "drill: kill the leader's JVM", work: () => killLeader(ctx) },
      { kind: "drill", name: "drill: drain a node", work: () => drainNode(ctx) },
      { kind: "drill", name: "drill: delete the StatefulSet, up --refresh", work: () => deleteStatefulSet(ctx) },
      { kind: "drill", name: "drill: change tickTime (rolling restart)", work: () => rollTickTime(ctx) },
      { kind: "check", name: "verify after the drills", work: () => runVerify(PROJECT_DIR, stack) },
    ];
    await runPhases(phases, timings, stopIfInterrupted);
  } catch (e) {
    // Recorded by its phase (or failed before any); the teardown below runs either way.
    if (!timings.phases.some((p) => !p.ok)) {
      timings.phases.push({ phase: interrupted ? "interrupted (Ctrl-C)" : "setup", seconds: 0, ok: false, error: (e as Error).message });
    }
  } finally {
    await teardown(stack, timings);
    timings.write(timingsFile, { stack: stack.name, cluster: stack.clusterName });
    console.log(`\n${timings.summary()}\n\nTimings: ${timingsFile}`);
  }
  console.log(timings.ok ? "\nEnd-to-end suite passed." : "\nEnd-to-end suite FAILED (above).");
  return timings.ok ? 0 : 1;
}

/** pulumi destroy; if that fails, kind delete cluster, so a failed run does not leave a cluster running. */
async function teardown(stack: ThrowawayStack, timings: Timings): Promise<void> {
  try {
    await timings.time("pulumi destroy", async () => {
      await stack.destroy(DESTROY_TIMEOUT_MS);
    });
  } catch {
    const deleted = await runKind(["delete", "cluster", "--name", stack.clusterName], 300000).catch((e: Error) => ({
      code: 1,
      stderr: e.message,
    }));
    console.error(
      `pulumi destroy failed; kind delete cluster --name ${stack.clusterName}: ${deleted.code === 0 ? "done" : deleted.stderr}`,
    );
  }
  try {
    await timings.time("nothing left behind (no kind cluster, no stack)", () => nothingLeft(stack));
  } catch {
    // Recorded as a failed phase.
  } finally {
    stack.cleanup();
  }
}

// Exits explicitly once the timings are written: a client library may still hold a socket of a
// server that went away during a drill.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    if (e instanceof UsageError) {
      process.stderr.write(usageErrorText(E2E, e));
      process.exit(2);
    }
    console.error(e.message);
    process.exit(1);
  },
);
