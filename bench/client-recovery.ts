// How long a real (Java) ZooKeeper client with every server's address takes to write again after
// the leader goes silent, by session timeout, for clients connected to the leader and to a
// follower. Runs bench/java/ClientRecovery.java (compiled here with javac against the fetched
// release's jars, the servers' own: npm run zookeeper) against three servers in network namespaces
// with this project's default timing.
// Prints figures; asserts nothing. Needs root, Java 17 and javac.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn, execFileSync, ChildProcess } from "child_process";
import * as readline from "readline";
import { LocalEnsemble } from "../harness/zk-ensemble";
import { findZooKeeper } from "../harness/zookeeper-install";
import { zookeeperVersion } from "../harness/zookeeper-release";
import { TestNetwork, canBuildNetwork } from "../harness/netns";
import { OPEN_ACL, ZkClient } from "../zk/zk-client";

const SESSION_TIMEOUTS = [4000, 6000, 10000, 20000, 30000];
const CLIENTS = 9;
/** The client is the servers' release: its lib/ (npm run zookeeper), as one classpath. */
const CLIENT_CLASSPATH = findZooKeeper().jars.join(":");
const SERVERS = [0, 1, 2];
const IN_FLIGHT_MS = 200;

interface JavaClients {
  child: ChildProcess;
  /** Every acknowledgement's time, by client. */
  acks: Map<number, number[]>;
  /** Each client's connection state changes (SyncConnected, Disconnected, Expired), as its watcher saw them. */
  events: { client: number; at: number; state: string }[];
  where(): Promise<Map<number, string>>;
  stop(): Promise<void>;
}

function startClients(classes: string, hosts: string, sessionTimeout: number): Promise<JavaClients> {
  const child = spawn("java", ["-cp", `${classes}:${CLIENT_CLASSPATH}`, "ClientRecovery", hosts, String(sessionTimeout), String(CLIENTS)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const acks = new Map<number, number[]>();
  const events: { client: number; at: number; state: string }[] = [];
  let whereLines: string[] = [];
  let whereDone: (() => void) | undefined;
  let started: () => void;
  const ready = new Promise<void>((r) => (started = r));
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    const parts = line.split(" ");
    if (parts[0] === "ack") acks.set(Number(parts[1]), [...(acks.get(Number(parts[1])) ?? []), Number(parts[2])]);
    else if (line === "started") started();
    else if (line === "where-done") whereDone?.();
    else if (parts[0] === "where") whereLines.push(line);
    else if (parts[0] === "event") events.push({ client: Number(parts[1]), at: Number(parts[2]), state: parts[3] });
  });
  const clients: JavaClients = {
    child,
    acks,
    events,
    where: () =>
      new Promise((resolve) => {
        whereLines = [];
        whereDone = () =>
          resolve(new Map(whereLines.map((l) => [Number(l.split(" ")[1]), /remoteserver:\/?([0-9.]+)/.exec(l)?.[1] ?? "?"])));
        child.stdin!.write("where\n");
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.stdin!.write("stop\n");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      }),
  };
  return ready.then(() => clients);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function spread(values: number[]): string {
  if (!values.length) return "(none)";
  const s = [...values].sort((a, b) => a - b);
  return `${s[0]} / ${s[Math.floor(s.length / 2)]} / ${s[s.length - 1]} (${s.length})`;
}

async function main() {
  if (!canBuildNetwork()) process.exit(2);
  const classes = fs.mkdtempSync(path.join(os.tmpdir(), "kz-java-"));
  execFileSync("javac", ["-cp", CLIENT_CLASSPATH, "-d", classes, path.join(__dirname, "java", "ClientRecovery.java")]);
  const net = new TestNetwork(SERVERS.length);
  net.create();
  const zk = new LocalEnsemble({ replicas: 3 }, 0, { network: net });
  const rows: string[] = [];
  try {
    await zk.allServing();
    const c = await ZkClient.open(zk.connect());
    await c.createNode("/recovery", null, OPEN_ACL).finally(() => c.close());
    for (const sessionTimeout of SESSION_TIMEOUTS) {
      await zk.allServing();
      const clients = await startClients(classes, zk.connect(), sessionTimeout);
      try {
        await zk.waitFor("every client to write", async () => clients.acks.size === CLIENTS, 60000);
        const [leader] = await zk.leaders();
        const where = await clients.where();
        const cutAt = Date.now();
        net.cut([leader], { fromClients: true });
        // A write the quorum committed just before the cut is answered just after it: not a recovery.
        const resumed = (i: number) => clients.acks.get(i)?.find((t) => t > cutAt + IN_FLIGHT_MS);
        const all = [...Array(CLIENTS).keys()];
        await zk
          .waitFor("every client to write again", async () => all.every((i) => resumed(i) !== undefined), 120000)
          .catch(() => undefined);
        const onLeader: number[] = [];
        const onFollower: number[] = [];
        for (const i of all) {
          const at = resumed(i);
          const recovered = at === undefined ? NaN : at - cutAt;
          (where.get(i) === zk.servers[leader].address ? onLeader : onFollower).push(recovered);
        }
        rows.push(`${String(sessionTimeout).padEnd(16)}${spread(onLeader).padEnd(32)}${spread(onFollower)}`);
        if (process.env.BENCH_EVENTS) {
          for (const e of clients.events.filter((e) => e.at >= cutAt))
            console.error(`  S=${sessionTimeout} client ${e.client} (${where.get(e.client)}) +${e.at - cutAt} ms ${e.state}`);
        }
      } finally {
        await clients.stop();
        net.heal();
      }
      await sleep(1000);
    }
  } finally {
    await zk.destroy();
    net.destroy();
    fs.rmSync(classes, { recursive: true, force: true });
  }
  console.log(
    `Java client (ZooKeeper ${zookeeperVersion()}), ${CLIENTS} clients with every server's address, leader cut off silently; servers: tickTime 1000, syncLimit 2`,
  );
  console.log("ms from the cut to each client's next acknowledged write, min / median / max (clients)");
  console.log(`${"session timeout".padEnd(16)}${"clients on the leader".padEnd(32)}clients on a follower`);
  for (const row of rows) console.log(row);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
