// The pod's scripts are shell files beside this one (scripts/), read at render time into the
// ConfigMap; their inputs are the environment of script-env.ts. The same files run unchanged in the
// pod and in the integration tests.
import * as fs from "fs";
import * as path from "path";

/** Where the ConfigMap (zoo.cfg and the scripts) is mounted in each pod. */
export const CONFIG_MOUNT = "/etc/zookeeper-k8s";
export const START_SCRIPT = "start-zookeeper.sh";
export const PROBE_SCRIPT = "zk-probe.sh";

/** A script of scripts/ as the pod gets it. */
export function readScript(name: string): string {
  return fs.readFileSync(path.join(__dirname, "scripts", name), "utf8");
}

/**
 * The container's command. It derives `myid` from the pod's ordinal (zk-0 is server 1), sets the
 * heap from ZK_HEAP, and `exec`s the server in the foreground through the image's own launcher
 * found on PATH, so the JVM is the container's main process and its death restarts the container.
 */
export const renderStartScript = () => readScript(START_SCRIPT);

/** The liveness and readiness probes (`zk-probe.sh live|ready`). */
export const renderProbeScript = () => readScript(PROBE_SCRIPT);
