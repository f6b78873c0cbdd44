// Tenants, pure: the validation of the `tenants` setting (each message names the entry, the field and
// what would do), the rules between it and clientAuth, clientUsers and tls, the plan the Job gets, the
// Secret's fields, the zoo.cfg line, and the quota text as ZooKeeper's StatsTrack writes and reads it
// (apache/zookeeper release-3.9.5 StatsTrack.java).
import { expect } from "chai";
import { parseStackConfig, StackConfigError } from "../../config";
import { resolveEnsemble } from "../../components/zookeeper/options";
import { renderConfigFiles } from "../../components/zookeeper/configmap";
import {
  tenantsProblem,
  tenantPlan,
  tenantConnection,
  tenantJaasUsers,
  renderTenantsJob,
  TENANT_CLIENT_JVM_FLAGS,
  TenantInput,
} from "../../components/zookeeper/tenants";
import { ensembleNames } from "../../components/zookeeper/names";
import { quotaLimitsText, parseStatsTrack, statsTrackText } from "../../zk/tenants";
import { parsePlan } from "../../jobs/tenants";
import { judgeTenant } from "../../zk/verify/tenants";
import { stackTarget } from "../../ops/lib/verify/stack-target";
import { CouldNotCheck } from "../../zk/verify/types";

const BASE = { clientAuth: "digest" };

function problemsOf(raw: Record<string, string>, secret: string[] = []): string {
  try {
    parseStackConfig(raw, new Set(secret));
  } catch (e) {
    expect(e).to.be.instanceOf(StackConfigError);
    return (e as Error).message;
  }
  return "";
}

describe("tenants (pure)", () => {
  describe("validation of the list", () => {
    const cases: [unknown, RegExp][] = [
      [{}, /must be a list of tenants/],
      [["kafka"], /entry 1 must be an object such as/],
      [[{ name: "Kafka" }], /entry 1: name must be 1-40 lowercase letters.*got "Kafka"/],
      [[{ name: "kafka_1" }], /entry 1: name must be.*got "kafka_1"/],
      [[{ name: "-a" }], /entry 1: name must be/],
      [[{ name: "a".repeat(41) }], /entry 1: name must be 1-40/],
      [[{ name: "zkadmin" }], /tenant zkadmin: zkadmin is the program's own super user/],
      [[{ name: "kafka", user: "x" }], /entry 1 has "user": a tenant has only name, chroot, quota, deleteData, secretNamespace/],
      [[{ name: "kafka" }, { name: "kafka" }], /tenant kafka is listed twice \(entries 1 and 2\)/],
      [[{ name: "kafka", chroot: "kafka" }], /tenant kafka: chroot must be an absolute znode path.*got "kafka"/],
      [[{ name: "kafka", chroot: "/kafka/" }], /chroot must be an absolute znode path/],
      [[{ name: "kafka", chroot: "/a//b" }], /chroot must be an absolute znode path/],
      [[{ name: "kafka", chroot: "/a/../b" }], /chroot must be an absolute znode path/],
      [[{ name: "kafka", chroot: "/" }], /chroot must be an absolute znode path/],
      [[{ name: "kafka", chroot: "/zookeeper/kafka" }], /must not be under \/zookeeper/],
      [
        [
          { name: "a", chroot: "/apps" },
          { name: "b", chroot: "/apps/b" },
        ],
        /tenant b: its chroot \/apps\/b overlaps entry 1's \/apps: chroots must not nest/,
      ],
      [[{ name: "a", chroot: "/x" }, { name: "x" }], /tenant x: its chroot \/x is entry 1's \/x/],
      [[{ name: "kafka", quota: {} }], /quota must set bytes, nodes or both/],
      [[{ name: "kafka", quota: { count: 5 } }], /quota has "count": a quota has only bytes and nodes/],
      [[{ name: "kafka", quota: { nodes: 0 } }], /quota.nodes must be a whole number from 1 to 2147483647, got 0/],
      [[{ name: "kafka", quota: { bytes: 1.5 } }], /quota.bytes must be a whole number from 1, got 1.5/],
      [[{ name: "kafka", deleteData: "yes" }], /deleteData must be true or false, got "yes"/],
      [[{ name: "kafka", secretNamespace: "Kafka" }], /tenant kafka: secretNamespace must be a namespace name .*got "Kafka"/],
      [[{ name: "kafka", secretNamespace: "a".repeat(64) }], /secretNamespace must be a namespace name/],
      [[{ name: "kafka", secretNamespace: "kafka-" }], /secretNamespace must be a namespace name/],
      [[{ name: "kafka", secretNamespace: 5 }], /secretNamespace must be a namespace name .*got 5/],
    ];
    for (const [value, message] of cases) {
      it(`refuses ${JSON.stringify(value).slice(0, 70)}`, () => expect(tenantsProblem(value)).to.match(message));
    }

    it("accepts names with '-', sibling chroots sharing a prefix of characters, and both limits", () => {
      expect(
        tenantsProblem([
          { name: "kafka-prod", chroot: "/apps/kafka", quota: { nodes: 1000, bytes: 10_000_000 } },
          { name: "kafka-prod2", chroot: "/apps/kafka2" },
          { name: "solr", deleteData: true },
        ]),
      ).to.equal(undefined);
    });
  });

  describe("the setting", () => {
    it("names the setting, the entry and the fix; not JSON is said so", () => {
      const bad = problemsOf({ ...BASE, tenants: '[{"name":"kafka"},{"name":"kafka"}]' });
      expect(bad).to.contain("tenants: must be a list of tenants");
      expect(bad).to.contain("tenant kafka is listed twice");
      expect(bad).to.contain(`pulumi config set tenants '[{"name":"kafka","quota":{"nodes":100000}}]'`);
      expect(problemsOf({ ...BASE, tenants: "kafka" })).to.contain(
        "must be a JSON list (pulumi config set --path 'tenants[0].name' kafka writes one)",
      );
    });

    it("parses a list as Pulumi hands it over (JSON), and takes clientAuth digest without clientUsers", () => {
      const { config } = parseStackConfig({ ...BASE, tenants: '[{"name":"kafka","quota":{"nodes":10}}]' });
      expect(config.tenants).to.deep.equal([{ name: "kafka", quota: { nodes: 10 } }]);
    });

    it("needs clientAuth digest, and says why it is not turned on for you", () => {
      const bad = problemsOf({ tenants: '[{"name":"kafka"}]' });
      expect(bad).to.contain("tenants: need clientAuth digest");
      expect(bad).to.contain("it closes every session that does not authenticate");
      expect(bad).to.contain("pulumi config set clientAuth digest");
    });

    it("takes every tls stage, on included (the Job uses the secure client port from prefer on)", () => {
      for (const tls of ["accept", "prefer", "on"]) expect(problemsOf({ ...BASE, tenants: '[{"name":"kafka"}]', tls }), tls).to.equal("");
    });

    it("refuses a tenant whose user clientUsers lists too, without showing a password", () => {
      const bad = problemsOf({ ...BASE, tenants: '[{"name":"kafka-a"}]', clientUsers: "kafka_a:secret-Pa55word-1" }, ["clientUsers"]);
      expect(bad).to.contain("tenants: must not name a user of clientUsers: tenant kafka-a's SASL user is kafka_a");
      expect(bad).not.to.contain("secret-Pa55word-1");
    });

    it("the component refuses the same for programmatic callers", () => {
      expect(() => resolveEnsemble({ tenants: [{ name: "kafka" }] })).to.throw(/tenants: need clientAuth digest/);
      expect(() => resolveEnsemble({ clientAuth: { users: [] }, tenants: [{ name: "a", chroot: "x" }] })).to.throw(
        /chroot must be an absolute/,
      );
    });
  });

  describe("renders", () => {
    const tenants: TenantInput[] = [
      { name: "kafka-prod", quota: { nodes: 100 } },
      { name: "solr", chroot: "/apps/solr" },
      { name: "old", deleteData: true },
    ];

    it("the plan: users with '_' for '-', default chroots, retired tenants kept for the Job", () => {
      expect(tenantPlan(tenants)).to.deep.equal([
        { name: "kafka-prod", user: "kafka_prod", chroot: "/kafka-prod", quota: { nodes: 100 }, deleteData: false },
        { name: "solr", user: "solr", chroot: "/apps/solr", deleteData: false },
        { name: "old", user: "old", chroot: "/old", deleteData: true },
      ]);
      expect(parsePlan(JSON.stringify(tenantPlan(tenants)))).to.deep.equal(tenantPlan(tenants));
      expect(() => parsePlan('[{"name":"a","user":"a","chroot":"/zookeeper/x","deleteData":false}]')).to.throw(/outside \/zookeeper/);
    });

    it("the servers' JAAS users: the live tenants only", () => {
      expect(tenantJaasUsers(tenants, { "kafka-prod": "p1", solr: "p2", old: "p3" })).to.deep.equal([
        { name: "kafka_prod", password: "p1" },
        { name: "solr", password: "p2" },
      ]);
    });

    it("the Secret's fields: the connection string with the chroot, a JAAS Client section, the JVM flag 3.9 clients need, the CA when given", () => {
      const c = tenantConnection(tenants[1], "zk-0:2181,zk-1:2181", "pw", "CA PEM");
      expect(c.connectionString).to.equal("zk-0:2181,zk-1:2181/apps/solr");
      expect(c["jaas.conf"]).to.equal(
        'Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="solr"\n  password="pw";\n};\n',
      );
      expect(c.jvmFlags).to.equal(TENANT_CLIENT_JVM_FLAGS);
      expect(c["ca.crt"]).to.equal("CA PEM");
      expect(tenantConnection(tenants[1], "h:1", "pw")).not.to.have.property("ca.crt");
    });

    it("the Job's name changes with the plan, not with anything else; it is at most 63 characters", () => {
      const input = (t: TenantInput[], prefix = "") => ({
        namespace: "zookeeper",
        names: ensembleNames(prefix),
        tenants: t,
        clientEndpoint: "zk-cs:2181",
        admin: { username: "zkadmin", passwordSecret: { name: "zk-admin", key: "admin-password" } },
      });
      const a = renderTenantsJob(input(tenants), "code").metadata.name;
      expect(a).to.match(/^zk-tenants-[0-9a-f]{10}$/);
      expect(renderTenantsJob(input(tenants), "code").metadata.name).to.equal(a);
      expect(renderTenantsJob(input([{ ...tenants[0], quota: { nodes: 101 } }, ...tenants.slice(1)]), "code").metadata.name).not.to.equal(
        a,
      );
      expect(renderTenantsJob(input(tenants, "p".repeat(40) + "-"), "code").metadata.name.length).to.be.at.most(63);
    });

    it("zoo.cfg turns quota enforcement on with tenants only", () => {
      const cfg = (t?: TenantInput[]) => renderConfigFiles(resolveEnsemble({ clientAuth: { users: [] }, tenants: t }))["zoo.cfg"];
      expect(cfg([{ name: "kafka" }]).split("\n")).to.include("enforceQuota=true");
      expect(cfg()).not.to.contain("enforceQuota");
    });
  });

  describe("quota text (StatsTrack)", () => {
    it("writes hard limits as setquota -N/-B does, and reads StatsTrack's own forms", () => {
      expect(quotaLimitsText({ nodes: 4 })).to.equal("count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=4");
      expect(quotaLimitsText({ bytes: 64, nodes: 2 })).to.equal("count=-1,bytes=-1=;byteHardLimit=64;countHardLimit=2");
      expect(statsTrackText({ count: 0, bytes: 0 })).to.equal("count=0,bytes=0");
      expect(parseStatsTrack("count=-1,bytes=-1=;byteHardLimit=64;countHardLimit=2")).to.deep.equal({
        count: -1,
        bytes: -1,
        byteHardLimit: 64,
        countHardLimit: 2,
      });
    });
  });
});

describe("verify's tenant rows (zk/verify/tenants.ts judgeTenant), from what the servers hold", () => {
  const REPAIR = "npm run up -- --stack dev --replace 'urn:pulumi:dev::p::job'";
  const own = [{ perms: 31, scheme: "sasl", id: "kafka" }];
  const live = { name: "kafka", user: "kafka", chroot: "/kafka", deleteData: false };
  const cases: {
    what: string;
    plan: Parameters<typeof judgeTenant>[0];
    found: Parameters<typeof judgeTenant>[1];
    result: string;
    detail: string;
  }[] = [
    {
      what: "a quota held that is not declared",
      plan: live,
      found: { exists: true, acl: own, limits: { countHardLimit: 5, byteHardLimit: -1 }, usage: { count: 1, bytes: 0 } },
      result: "FAIL",
      detail: "a quota of 5 nodes on /kafka, none declared",
    },
    {
      what: "a declared quota whose usage znode is gone",
      plan: { ...live, quota: { bytes: 100 } },
      found: { exists: true, acl: own, limits: { countHardLimit: -1, byteHardLimit: 100 } },
      result: "FAIL",
      detail: "the quota's usage is not tracked (/zookeeper/quota/kafka/zookeeper_stats is missing)",
    },
    {
      what: "an ACL with an extra reader, and no quota where one is declared: both named",
      plan: { ...live, quota: { nodes: 3 } },
      found: { exists: true, acl: [...own, { perms: 1, scheme: "world", id: "anyone" }] },
      result: "FAIL",
      detail: "ACL of /kafka is sasl:kafka:cdrwa, world:anyone:r, declared sasl:kafka:cdrwa only; no quota on /kafka, declared 3 nodes",
    },
    {
      what: "near the byte limit",
      plan: { ...live, quota: { bytes: 100 } },
      found: { exists: true, acl: own, limits: { countHardLimit: -1, byteHardLimit: 100 }, usage: { count: 4, bytes: 95 } },
      result: "WARN",
      detail:
        "/kafka: ACL sasl:kafka:cdrwa; quota 100 bytes; size 4 znodes, 95 bytes; near its quota (95 of 100 bytes): writes past it are refused",
    },
    {
      what: "a read that failed: not checked",
      plan: live,
      found: { exists: false, error: "timed out" },
      result: "WARN",
      detail: "not checked: reading /kafka failed: timed out",
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const row = judgeTenant(c.plan, c.found, REPAIR);
      expect(row).to.deep.include({ check: "tenant:kafka", result: c.result, detail: c.detail });
      expect(row.next).to.equal(c.result === "FAIL" ? REPAIR : undefined);
    });
  }

  it("the stack output tenantPlan is checked for its shape: a stack whose output is not the plan cannot be checked", () => {
    const outputs = {
      namespace: "zookeeper",
      serverFqdns: ["zk-0.zk-hs.zookeeper.svc.cluster.local"],
      storageClassName: "s",
      kubeconfig: "k",
    };
    const plan = { jobUrn: "urn:pulumi:dev::p::job", tenants: [live] };
    expect(stackTarget("dev", { ...outputs, tenantPlan: plan }).tenantPlan).to.deep.equal(plan);
    expect(stackTarget("dev", outputs).tenantPlan).to.equal(undefined);
    expect(() => stackTarget("dev", { ...outputs, tenantPlan: { jobUrn: "job", tenants: [] } })).to.throw(
      CouldNotCheck,
      "stack 'dev' output tenantPlan is not the tenants' plan",
    );
  });
});
