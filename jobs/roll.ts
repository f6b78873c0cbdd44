// The roll Job (`node jobs.js roll`, see main.ts), run with plain `node` from the bundled jobs file
// after the StatefulSet took a new pod template (updateStrategy OnDelete): it restarts the servers
// one at a time, followers first and the leader last (zk/roll.ts), deleting their pods through the
// API server with the Job's own ServiceAccount (zk/roll-kube.ts). Exit codes: 0 every server runs the
// new template, 1 a bound passed or the API refused (the reason on stderr: the Job's log, and
// Pulumi's error), 2 bad environment.
import { rollServers, RollError, RollRun } from "../zk/roll";
import { inClusterAccess, kubeRollCluster, ApiAccess } from "../zk/roll-kube";
import { ROLL_ENV as E } from "../zk/facts/roll-env";
import { EnvError, need, hostMap, exitCode, tlsFromEnv } from "./job-env";

function whole(env: NodeJS.ProcessEnv, name: string, fallback?: string): number {
  const text = fallback === undefined ? need(env, name) : (env[name] ?? fallback);
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new EnvError(`${name} must be a whole number of at least 1, got "${text}"`);
  return n;
}

/** The roll's settings from the Job's environment; `access` is the API server's (default: the pod's own). */
export function readRollRun(env: NodeJS.ProcessEnv, access?: () => ApiAccess): RollRun {
  const statefulSet = need(env, E.statefulSet);
  const namespace = need(env, E.namespace);
  const selector = need(env, E.selector);
  const domain = need(env, E.serversDomain);
  const replicas = whole(env, E.replicas);
  const clientPort = whole(env, E.clientPort);
  const waitSeconds = whole(env, E.waitSeconds, "300");
  const hosts = hostMap(env[E.hosts]);
  const tls = tlsFromEnv(env, E.tlsCaFile);
  const host = (ordinal: number) => `${statefulSet}-${ordinal}.${domain}`;
  let api: ApiAccess;
  try {
    api = (access ?? (() => inClusterAccess(env)))();
  } catch (e) {
    throw new EnvError(`no access to the API server: ${(e as Error).message}`);
  }
  return {
    cluster: kubeRollCluster(api, { namespace, name: statefulSet, selector }),
    replicas,
    clientPort,
    hostOf: (ordinal) => hosts.get(host(ordinal)) ?? host(ordinal),
    // With TLS each server's certificate is verified against its FQDN, wherever it is dialled.
    ...(tls ? { tls, serverNameOf: host } : {}),
    nameOf: (ordinal) => `${statefulSet}-${ordinal}`,
    waitMs: waitSeconds * 1000,
    log: (line) => process.stdout.write(`${line}\n`),
  };
}

/** Rolls; resolves to the exit code. */
export function runRollJob(): Promise<number> {
  return exitCode("roll", { type: RollError, word: "stopped" }, async () => {
    const outcome = await rollServers(readRollRun(process.env));
    process.stdout.write(
      `roll: restarted [${outcome.restarted.join(", ")}], leader last: ${outcome.leaderRestarted ?? "none restarted"}\n`,
    );
  });
}
