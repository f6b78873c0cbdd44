// "Kill the leader's JVM": SIGKILL to the server's Java process, as a crash. Inside the container
// the JVM is PID 1, which ignores a SIGKILL sent from its own PID namespace, so the signal comes
// from the kind node (a container of the engine), where the pod's processes are ordinary ones.
// The others elect a new leader within seconds; the kubelet restarts the container and the old
// leader rejoins as a follower.
import { execFile } from "child_process";
import { promisify } from "util";
import { check } from "../assert";
import { isReady, Kube } from "../kube";
import { waitFor } from "../wait";
import { withWriter, WriterContext } from "../writes";
import { leaderAndFollowers, restarts, uid } from "./server";

const run = promisify(execFile);

/** A new leader must be elected within this (a clean kill takes under a second on loopback: field notes). */
const ELECTION_BOUND_SECONDS = 20;

// The bracket keeps the pattern from matching this script's own command line.
const KILL_JVM = `killed=0
for p in /proc/[0-9]*; do
  if grep -qa 'org.apache.zookeeper.server.quorum.QuorumPeer[M]ain' "$p/cmdline" 2>/dev/null; then
    kill -9 "\${p#/proc/}" && killed=$((killed + 1))
  fi
done
echo "$killed"`;

/** SIGKILLs the ZooKeeper JVM on a kind node (one server per node: anti-affinity); resolves with how many died. */
async function killJvmOn(engine: string, node: string): Promise<number> {
  const { stdout } = await run(engine, ["exec", node, "bash", "-c", KILL_JVM], { timeout: 30000 });
  return Number(stdout.trim());
}

export function killLeader(ctx: WriterContext & { kube: Kube; engine: string }): Promise<Record<string, unknown>> {
  const { kube } = ctx;
  return withWriter(ctx, "kill-leader", async () => {
    const { leader, followers } = await leaderAndFollowers(kube);
    const before = await kube.pod(leader);
    const node = before?.spec?.nodeName;
    check(node, `${leader} has no node`);
    const killedAt = Date.now();
    const killed = await killJvmOn(ctx.engine, node);
    check(killed === 1, `expected to kill one ZooKeeper JVM on node ${node}, killed ${killed}`);
    const newLeader = await waitFor(
      "a new leader among the other servers",
      async () => {
        const leaders = await kube.leaders(followers);
        return leaders.length === 1 && leaders[0];
      },
      60000,
      { intervalMs: 250, describe: () => kube.describePods() },
    );
    const electedSeconds = (Date.now() - killedAt) / 1000;
    check(
      electedSeconds <= ELECTION_BOUND_SECONDS,
      `the new leader ${newLeader} took ${electedSeconds} s, more than ${ELECTION_BOUND_SECONDS} s`,
    );
    await waitFor(
      `${leader}'s container to restart and its server to rejoin as a follower`,
      async () => {
        const now = await kube.pod(leader);
        return uid(now) === uid(before) && restarts(now) > restarts(before) && isReady(now!) && (await kube.mode(leader)) === "follower";
      },
      300000,
      { intervalMs: 2000, describe: () => kube.describePods() },
    );
    return { killed: leader, node, newLeader, electedSeconds, rejoinedSeconds: (Date.now() - killedAt) / 1000 };
  });
}
