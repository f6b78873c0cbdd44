// What makes a server the same server after a drill: the tutorial's identity (its name, FQDN and
// server id) and its data volume (the same PersistentVolume, carrying a mark written before the drill).
import * as crypto from "crypto";
import type { V1Pod } from "@kubernetes/client-node";
import { check } from "../assert";
import type { Kube } from "../kube";

/** A file at the data volume's root, outside ZooKeeper's dataDir. */
const markFile = (kube: Kube) => `${kube.expected.dataMount}/e2e-volume-mark`;

export interface VolumeMark {
  pod: string;
  volume: string;
  token: string;
}

const ordinalOf = (pod: string) => Number(pod.slice(pod.lastIndexOf("-") + 1));

/** Writes a random token onto the server's data volume and notes which PersistentVolume that is. */
export async function markVolume(kube: Kube, pod: string): Promise<VolumeMark> {
  const token = crypto.randomBytes(8).toString("hex");
  const written = await kube.exec(pod, ["bash", "-c", `printf %s "$1" > ${markFile(kube)}`, "mark", token]);
  check(written.code === 0, `writing a mark on ${pod}'s data volume failed: ${written.stderr.trim()}`);
  const volume = await kube.volumeOf(pod);
  check(volume, `claim ${kube.expected.claimTemplate}-${pod} is not bound to a volume`);
  return { pod, volume, token };
}

/** The server came back on the same volume, with what was on it. */
export async function expectSameVolume(kube: Kube, mark: VolumeMark): Promise<void> {
  const volume = await kube.volumeOf(mark.pod);
  check(volume === mark.volume, `${mark.pod}'s claim is bound to ${volume}, not to its volume before the drill, ${mark.volume}`);
  const read = await kube.exec(mark.pod, ["cat", markFile(kube)]);
  check(
    read.stdout === mark.token,
    `${mark.pod}'s data volume lost the mark written before the drill (found ${JSON.stringify(read.stdout)})`,
  );
}

/** The tutorial's identity: hostname, FQDN through the headless Service, myid and the server id it runs as. */
export async function expectIdentity(kube: Kube, pod: string): Promise<void> {
  const id = String(ordinalOf(pod) + 1);
  const fqdn = kube.expected.serverFqdns[ordinalOf(pod)];
  const hostname = (await kube.exec(pod, ["hostname", "-f"])).stdout.trim();
  check(hostname === fqdn, `${pod}'s FQDN is ${hostname}, expected ${fqdn}`);
  const myid = (await kube.exec(pod, ["cat", `${kube.expected.dataDir}/myid`])).stdout.trim();
  check(myid === id, `${pod}'s myid is ${myid}, expected ${id}`);
  const conf = await kube.fourLetterWord(pod, "conf");
  check(
    new RegExp(`^serverId=${id}$`, "m").test(conf),
    `${pod} does not run as server ${id} (conf: ${conf.split("\n").find((l) => l.startsWith("serverId")) ?? "no answer"})`,
  );
}

export const uid = (pod: V1Pod | undefined) => pod?.metadata?.uid;
export const restarts = (pod: V1Pod | undefined) => pod?.status?.containerStatuses?.[0]?.restartCount ?? 0;

/** The one pod whose server leads, and the others. */
export async function leaderAndFollowers(kube: Kube): Promise<{ leader: string; followers: string[] }> {
  const leaders = await kube.leaders();
  check(leaders.length === 1, `expected exactly one leader, found ${leaders.length ? leaders.join(", ") : "none"}`);
  return { leader: leaders[0], followers: kube.expected.pods.filter((p) => p !== leaders[0]) };
}
