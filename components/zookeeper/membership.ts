// Dynamic membership: the running ensemble changes its own member list by reconfig, instead of every
// server reading a static list at start. Read at apache/zookeeper release-3.8.0-1 and release-3.9.4
// (the same in both; zookeeper-docs zookeeperReconfig.md):
// - reconfigEnabled=true lets the super user change the membership; standaloneEnabled=false makes
//   one server run the quorum code (a quorum of one, Mode: leader), so 1 <-> 3 is a reconfig too;
// - on each committed change a server writes <static file>.dynamic.<version hex> beside its static
//   file and rewrites the static file to point there (QuorumPeer.setQuorumVerifier,
//   QuorumPeerConfig.editStaticConfig): the live configuration lives on the data volume, and the
//   ConfigMap's zoo.cfg is only its template;
// - a server that is not in the committed configuration but lists itself as a participant follows
//   the leader as a non-voting follower (QuorumPeer.updateLearnerType; `srvr` says Mode: follower)
//   until a reconfig adds it; a removed server becomes one too (it is not shut down).
import type { ResolvedEnsemble } from "./options";
import { PORTS, DATA_PATHS } from "./options";
import { serverFqdns } from "./names";
import { ensembleLabels } from "./labels";
import { memberLine } from "../../zk/facts/member-line";

export const MEMBERSHIP_PATHS = {
  /** The seed ConfigMap's mount and file: the member lines a server with nothing better starts from. */
  seedMount: "/etc/zookeeper-members",
  seedFile: "seed",
  /** The live static and dynamic files, on the data volume: the server rewrites them. */
  liveConfDir: `${DATA_PATHS.volumeMount}/conf`,
} as const;

/** zoo.cfg lines of dynamic membership (the start script adds dynamicConfigFile, which names the live file). */
export function membershipZooCfgLines(): string[] {
  return ["reconfigEnabled=true", "standaloneEnabled=false"];
}

/**
 * Member lines of servers 1..count: `server.<id>=<fqdn>:2888:3888:participant;2181`. A joining line
 * needs its client part (PrepRequestProcessor refuses one without: "each server should have 3 ports
 * specified"), and a server's own client part overrides its static clientPortAddress, which must then
 * be the wildcard or the same address (QuorumPeerConfig.setupClientPort): `;2181` is the wildcard,
 * what a pod's zoo.cfg has. `clientHostOf` only for several servers on one host (the integration tests).
 */
export function memberLines(
  s: Pick<ResolvedEnsemble, "names" | "namespace" | "clusterDomain">,
  count: number,
  clientHostOf?: (ordinal: number) => string,
): string[] {
  return serverFqdns(s.names, s.namespace, s.clusterDomain, count).map((host, ordinal) =>
    memberLine({
      id: ordinal + 1,
      host,
      quorumPort: PORTS.server,
      electionPort: PORTS.leaderElection,
      clientHost: clientHostOf?.(ordinal),
      clientPort: PORTS.client,
    }),
  );
}

/**
 * The seed: the members a server starts with when it has no configuration of its own and no member
 * answers (a new ensemble). Servers 1..`count`, where `count` is the smaller of the size the last
 * update asked for and the new one (the transition guard's seedReplicas): during a grow the seed
 * holds only servers that were already members, so new servers can never make a majority of it by
 * themselves; they wait for a member to answer. It is a mutable ConfigMap that no pod template
 * names, so a resize changes no pod and rolls no server.
 */
export function renderSeedConfigMap(s: ResolvedEnsemble, count: number, clientHostOf?: (ordinal: number) => string) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: s.names.seedConfigMap, namespace: s.namespace, labels: ensembleLabels(s.names) },
    data: { [MEMBERSHIP_PATHS.seedFile]: memberLines(s, count, clientHostOf).join("\n") + "\n" },
  };
}
