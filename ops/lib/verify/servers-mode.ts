// `verify --servers`: the ZooKeeper checks alone, against any ensemble reachable from here.
import { Report } from "../../../zk/verify/types";
import { Address, formatAddress } from "./args";
import { Bounds } from "../../../zk/verify/bounds";
import { Endpoint, fourLetterByHand } from "../../../zk/verify/endpoint";
import { checkZooKeeper, nothingAnswered } from "../../../zk/verify/zookeeper-checks";
import { judgeVerdict } from "../../../zk/verify/verdict";

export async function verifyServers(servers: Address[], bounds: Bounds): Promise<Report> {
  const endpoints: Endpoint[] = servers.map((s) => ({ label: formatAddress(s), host: s.host, port: s.port }));
  const z = await checkZooKeeper(endpoints, fourLetterByHand, bounds, { scope: "servers" });
  // Nothing answering anywhere is more likely a wrong address than an ensemble to judge.
  const silence = nothingAnswered(z.answers);
  const summary = silence ? { ...z.summary, couldNotCheck: `${silence}: check the addresses, or start the servers` } : z.summary;
  return { rows: z.rows, info: z.info, verdict: judgeVerdict(summary, z.rows) };
}
