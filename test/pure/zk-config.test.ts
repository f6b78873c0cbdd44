// The dynamic configuration parser (zk/zk-config.ts), on the texts a 3.8 server writes: the
// data of /zookeeper/config and its dynamic files (QuorumMaj.toString, QuorumServer.toString,
// apache/zookeeper release-3.8.0-1), and the forms zookeeperReconfig.md shows for input.
import { expect } from "chai";
import { ConfigParseError, formatConfigVersion, memberLine, parseEnsembleConfig, parseMember, participants } from "../../zk/zk-config";

describe("the dynamic configuration parser", () => {
  it("reads /zookeeper/config as a server writes it: members in id order, the hex version as a bigint", () => {
    const text = [
      "server.2=zk-1.zk.ns.svc.cluster.local:2888:3888:participant;127.0.0.181:2181",
      "server.1=zk-0.zk.ns.svc.cluster.local:2888:3888:participant;0.0.0.0:2181",
      "server.3=zk-2.zk.ns.svc.cluster.local:2888:3888:observer;127.0.0.182:2181",
      "version=10000000a",
    ].join("\n");
    const config = parseEnsembleConfig(text);
    expect(config.version).to.equal(0x10000000an);
    expect(config.members.map((m) => m.id)).to.deep.equal([1, 2, 3]);
    expect(config.members[1]).to.deep.equal({
      id: 2,
      addresses: [{ host: "zk-1.zk.ns.svc.cluster.local", quorumPort: 2888, electionPort: 3888 }],
      role: "participant",
      client: { host: "127.0.0.181", port: 2181 },
      spec: "zk-1.zk.ns.svc.cluster.local:2888:3888:participant;127.0.0.181:2181",
    });
    expect(participants(config)).to.deep.equal([1, 2]);
    expect(config.other).to.deep.equal([]);
  });

  it("accepts the input forms of zookeeperReconfig.md: no role, a client port alone, spaces, several addresses, IPv6 in brackets", () => {
    expect(parseMember(5, "125.23.63.23:1234:1235;1236")).to.include({ role: "participant" });
    expect(parseMember(5, "125.23.63.23:1234:1235;1236").client).to.deep.equal({ port: 1236 });
    expect(parseEnsembleConfig("server.5 = 125.23.63.23:1234:1235:observer;1236").members[0].role).to.equal("observer");
    const multi = parseMember(2, "zoo2-net1:2888:3888|zoo2-net2:2889:3889;zoo2-net1:2188");
    expect(multi.addresses.map((a) => a.host)).to.deep.equal(["zoo2-net1", "zoo2-net2"]);
    expect(multi.client).to.deep.equal({ host: "zoo2-net1", port: 2188 });
    const v6 = parseMember(1, "[fd00::1]:2888:3888:participant;[fd00::1]:2181");
    expect(v6.addresses[0].host).to.equal("fd00::1");
    expect(v6.client).to.deep.equal({ host: "fd00::1", port: 2181 });
    // A member whose client address came from zoo.cfg is written without one (QuorumServer.toString).
    expect(parseMember(1, "h:2888:3888:participant").client).to.equal(undefined);
  });

  it("keeps a hierarchical quorum's other lines, skips blanks and comments, and reads a file without a version", () => {
    const config = parseEnsembleConfig("# seed\n\nserver.1=h1:2888:3888\ngroup.1=1\nweight.1=1\n");
    expect(config.version).to.equal(undefined);
    expect(config.other).to.deep.equal(["group.1=1", "weight.1=1"]);
    expect(parseEnsembleConfig("").members).to.deep.equal([]);
  });

  it("refuses what the server would refuse, saying which line", () => {
    const bad: [string, RegExp][] = [
      ["server.1=h1:2888", /server\.1/],
      ["server.0=h1:2888:3888", /positive/],
      ["server.1=h1:2888:3888:voter", /server\.1/],
      ["server.1=h1:2888:99999", /not a port/],
      ["server.1=h1:2888:3888;x:y", /not a port/],
      ["server.1=h1:2888:3888:participant|h2:2889:3889:observer", /different roles/],
      ["server.1=h1:2888:3888\nserver.1=h2:2888:3888", /twice/],
      ["version=xyz", /hex/],
      ["no equals sign", /key=value/],
    ];
    for (const [text, message] of bad) expect(() => parseEnsembleConfig(text), text).to.throw(ConfigParseError, message);
  });

  it("writes member lines the server reads back the same, and the version as ZooKeeper names its files", () => {
    const line = memberLine({
      id: 4,
      host: "zk-3.zk.ns.svc.cluster.local",
      quorumPort: 2888,
      electionPort: 3888,
      clientHost: "127.0.0.183",
      clientPort: 2181,
    });
    expect(line).to.equal("server.4=zk-3.zk.ns.svc.cluster.local:2888:3888:participant;127.0.0.183:2181");
    const member = parseEnsembleConfig(line).members[0];
    expect(memberLine(member)).to.equal(line);
    expect(memberLine({ id: 1, host: "fd00::1", quorumPort: 2888, electionPort: 3888, role: "observer", clientPort: 2181 })).to.equal(
      "server.1=[fd00::1]:2888:3888:observer;2181",
    );
    expect(formatConfigVersion(0x100000000n)).to.equal("100000000");
    expect(formatConfigVersion(0n)).to.equal("0");
  });
});
