// The membership Jobs (`node jobs.js membership`, see main.ts), run with plain `node` from the bundled
// jobs file, like the backup job. It converges the running ensemble's membership (zk/membership.ts)
// for one phase. Exit codes: 0 done (or
// nothing to do), 1 refused or failed (the reason on stderr: the Job's log, and Pulumi's error),
// 2 bad environment.
import { promises as dns } from "dns";
import { convergeMembership, MembershipError, MembershipPhase } from "../zk/membership";
import { parseEnsembleConfig } from "../zk/zk-config";
import { parseServers } from "../zk/address";
import { MEMBERSHIP_ENV as E } from "../zk/facts/membership-env";
import { EnvError, need, hostMap, exitCode } from "./job-env";

function readRun(env: NodeJS.ProcessEnv) {
  const phase = need(env, E.phase);
  if (phase !== "remove" && phase !== "add") throw new EnvError(`${E.phase} must be remove or add, got "${phase}"`);
  const target = need(env, E.target)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  try {
    if (parseEnsembleConfig(target.join("\n")).members.length !== target.length) throw new Error("a line is not server.<id>=...");
  } catch (e) {
    throw new EnvError(`${E.target} must be server.<id>=... lines: ${(e as Error).message}`);
  }
  let endpoints;
  try {
    endpoints = parseServers(need(env, E.endpoints));
  } catch (e) {
    throw new EnvError(`${E.endpoints} must be host:port[,host:port...]: ${(e as Error).message.replace(/^--servers:? /, "")}`);
  }
  const clientPort = Number(need(env, E.clientPort));
  const joinWait = Number(env[E.joinWait] ?? "120");
  if (!Number.isInteger(clientPort) || !Number.isInteger(joinWait) || joinWait < 1) {
    throw new EnvError(`${E.clientPort} and ${E.joinWait} must be whole numbers`);
  }
  const hosts = hostMap(env[E.hosts]);
  const serversName = need(env, E.serversName);
  return {
    phase: phase as MembershipPhase,
    target,
    endpoints,
    clientPort,
    joinWaitMs: joinWait * 1000,
    sasl: { username: need(env, E.saslUsername), password: need(env, E.saslPassword) },
    addressOf: (host: string) => hosts.get(host) ?? host,
    // The headless Service publishes not-ready pods: any record means some server pod exists.
    serversExist: () =>
      dns.lookup(serversName, { all: true }).then(
        (records) => records.length > 0,
        () => false,
      ),
    log: (line: string) => process.stdout.write(`${line}\n`),
  };
}

/** Converges one phase; resolves to the exit code. */
export function runMembershipJob(): Promise<number> {
  return exitCode("membership", { type: MembershipError, word: "refused" }, async () => {
    const outcome = await convergeMembership(readRun(process.env));
    process.stdout.write(
      `membership: added [${outcome.added.join(", ")}], removed [${outcome.removed.join(", ")}], version ${outcome.version ?? "none"}\n`,
    );
  });
}
