// Dynamic membership (setting `membership`, option `membership` of ZooKeeperEnsemble): the renders
// (a resize rolls no server; zoo.cfg, the seed, the StatefulSet, the two membership Jobs and the
// NetworkPolicy), the pure parts of zk/membership.ts, the bundled job run with plain `node`
// without a server, the wiring under Pulumi mocks (the remove Job before the StatefulSet, the add Job
// after it), and the settings that refuse it. Upstream sources relied on:
// - pulumi-kubernetes v4.32.0 provider/pkg/provider/diff.go: a Job's spec.template forces a
//   replacement, so a Job's name carries a digest of what it does; provider.go Diff honours
//   pulumi.com/replaceUnready (a Job that did not complete is replaced by the next update);
//   provider/pkg/await: a Job is awaited until Complete, 10 minutes by default.
// - kubernetes pkg/registry/batch/job/strategy.go generateSelector: the API server labels a Job's pod
//   template with its name (job-name, batch.kubernetes.io/job-name), and a label value is at most
//   63 characters (apimachinery IsValidLabelValue): a longer Job name is refused at create.
// - apache/zookeeper release-3.8.0-1 QuorumZooKeeperServer.dumpConf: `conf` ends with
//   println("membership: ") and QuorumMaj.toString (the server lines, then version=<hex> without a
//   trailing newline).
import { expect } from "chai";
import { execFile, ExecFileException } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { resolveEnsemble, EnsembleOptions, PORTS } from "../../components/zookeeper/options";
import { renderConfigFiles, renderConfigMap } from "../../components/zookeeper/configmap";
import { renderStatefulSet } from "../../components/zookeeper/statefulset";
import { renderNetworkPolicy } from "../../components/zookeeper/network-policy";
import { renderSeedConfigMap, memberLines, MEMBERSHIP_PATHS } from "../../components/zookeeper/membership";
import { START_SCRIPT } from "../../components/zookeeper/scripts";
import { CLIENT_AUTH_PATHS, ADMIN_PASSWORD_KEY } from "../../components/zookeeper/client-auth";
import { ADMIN_USER } from "../../components/zookeeper/users";
import { clientEndpoint, ensembleNames } from "../../components/zookeeper/names";
import { podSelector } from "../../components/zookeeper/labels";
import { PORT_NAMES } from "../../components/zookeeper/ports";
import {
  renderMembershipJob,
  renderMembershipConfigMap,
  membershipLabels,
  MembershipJobInput,
} from "../../components/zookeeper/membership-jobs";
import { MEMBERSHIP_ENV } from "../../zk/facts/membership-env";
import { readJobsBundle } from "../../components/node-job/bundle-file";
import { membershipFromConf, planChange } from "../../zk/membership";
import { parseEnsembleConfig } from "../../zk/zk-config";
import { parseStackConfig, StackConfigError } from "../../config";
import { validateManifest } from "../../harness/schema";
import { runProgram, attemptProgram, ofType, one, Registered } from "../../harness/mocks";
import { stackConfig, useHomeWithKubeconfig } from "../../harness/stack-files";

const JOB = "kubernetes:batch/v1:Job";
const CM = "kubernetes:core/v1:ConfigMap";
const STS = "kubernetes:apps/v1:StatefulSet";
const PASSWORD = "Sasl-Pa55word-never-printed";

const dynamic = (o: EnsembleOptions = {}) => resolveEnsemble({ membership: "dynamic", ...o });
const fqdn = (n: number) => `zk-${n - 1}.zk-hs.zookeeper.svc.cluster.local`;

/** The Jobs' input as the component builds it (ensemble.ts). */
function jobInput(s = dynamic(), over: Partial<MembershipJobInput> = {}): MembershipJobInput {
  return {
    namespace: s.namespace,
    names: s.names,
    target: memberLines(s, s.replicas),
    clientEndpoint: clientEndpoint(s.names, s.namespace, s.clusterDomain, PORTS.client),
    clientPort: PORTS.client,
    serversName: `${s.names.headlessService}.${s.namespace}.svc.${s.clusterDomain}`,
    admin: { username: ADMIN_USER, passwordSecret: { name: "zk-auth-x", key: ADMIN_PASSWORD_KEY } },
    ...over,
  };
}
const job = (phase: "remove" | "add", input = jobInput(), code = "zk-membership-code-x") => renderMembershipJob(input, phase, code);
const secretRefOf = (r: { spec: any }) => r.spec.template.spec.containers[0].env.find((e: any) => e.name === MEMBERSHIP_ENV.saslPassword);
const dependsOn = (r: Registered, type: string, on: Registered) =>
  r.options.dependencies.some((urn) => urn.endsWith(`${type}::${on.name}`));

describe("dynamic membership", () => {
  describe("renders", () => {
    it("replicas 1, 3 and 5 give the same servers' ConfigMap and pod template (a resize rolls no server); static 3 and 5 differ", () => {
      const render = (o: EnsembleOptions) => {
        const s = resolveEnsemble(o);
        const cm = renderConfigMap(s, renderConfigFiles(s));
        return { cm, template: renderStatefulSet(s, cm.metadata.name, undefined, "zk-auth-x").spec.template };
      };
      const [small, three, five] = [1, 3, 5].map((replicas) => render({ membership: "dynamic", replicas }));
      for (const [other, n] of [[small, 1] as const, [five, 5] as const]) {
        expect(other.cm.metadata.name, `replicas ${n}`).to.equal(three.cm.metadata.name);
        expect(other.cm.data, `replicas ${n}`).to.deep.equal(three.cm.data);
        expect(other.template, `replicas ${n}`).to.deep.equal(three.template);
      }
      expect(render({ replicas: 3 }).cm.metadata.name).to.not.equal(render({ replicas: 5 }).cm.metadata.name);
    });

    it("zoo.cfg turns reconfig and the super user on without enforcing authentication and lists no server; the pods of a dynamic ensemble alone get the join endpoint", () => {
      const files = renderConfigFiles(dynamic());
      const cfg = files["zoo.cfg"];
      for (const line of ["reconfigEnabled=true", "standaloneEnabled=false", `superUser=${ADMIN_USER}`]) {
        expect(cfg.split("\n"), line).to.include(line);
      }
      expect(cfg).to.match(/^authProvider\.sasl=\S+$/m);
      expect(cfg).not.to.contain("enforce.auth.enabled");
      expect(cfg).not.to.match(/^server\.\d+=/m);
      // The start script takes the dynamic branch only where zoo.cfg says reconfigEnabled=true.
      expect(files[START_SCRIPT]).to.contain(
        "if grep -q '^reconfigEnabled=true' \"$cfg\" && ! grep -q -e '^server\\.' -e '^dynamicConfigFile=' \"$cfg\"; then",
      );
      expect(renderConfigFiles(resolveEnsemble({}))["zoo.cfg"]).not.to.contain("reconfigEnabled=true");
      const envOf = (s: ReturnType<typeof dynamic>) => renderStatefulSet(s, "zk-config").spec.template.spec.containers[0].env;
      expect(envOf(dynamic())).to.deep.include({ name: "ZK_JOIN_ENDPOINTS", value: "zk-cs.zookeeper.svc.cluster.local:2181" });
      expect(envOf(resolveEnsemble({})).map((e) => e.name)).to.not.include("ZK_JOIN_ENDPOINTS");
    });

    it("the seed ConfigMap zk-members lists exactly servers 1..3 as participants with client port 2181, and is mutable", () => {
      const seed = renderSeedConfigMap(dynamic(), 3);
      expect(seed.metadata.name).to.equal("zk-members");
      expect(renderSeedConfigMap(dynamic({ replicas: 5 }), 5).metadata.name, "the same name at any size").to.equal("zk-members");
      expect(seed).not.to.have.property("immutable");
      const lines = [1, 2, 3].map((n) => `server.${n}=${fqdn(n)}:2888:3888:participant;2181`);
      expect(seed.data).to.deep.equal({ [MEMBERSHIP_PATHS.seedFile]: lines.join("\n") + "\n" });
    });

    it("the StatefulSet deletes a scaled-away server's claim (static keeps it) and mounts the seed and the auth Secret", () => {
      const sts = renderStatefulSet(dynamic(), "zk-config-x", undefined, "zk-auth-x");
      expect(sts.spec.persistentVolumeClaimRetentionPolicy).to.deep.equal({ whenDeleted: "Retain", whenScaled: "Delete" });
      const staticSts = renderStatefulSet(resolveEnsemble({}), "zk-config-x");
      expect(staticSts.spec.persistentVolumeClaimRetentionPolicy.whenScaled).to.equal("Retain");
      const pod = sts.spec.template.spec as any;
      const mountOf = (volume: any) => pod.containers[0].volumeMounts.find((m: any) => m.name === volume?.name)?.mountPath;
      expect(mountOf(pod.volumes.find((v: any) => v.configMap?.name === "zk-members"))).to.equal(MEMBERSHIP_PATHS.seedMount);
      expect(mountOf(pod.volumes.find((v: any) => v.secret?.secretName === "zk-auth-x"))).to.equal(CLIENT_AUTH_PATHS.mount);
    });

    describe("the membership Jobs", () => {
      for (const phase of ["remove", "add"] as const) {
        it(`the ${phase} Job is named zk-membership-${phase}-<digest>: new for a new target, the same for a new Secret name`, () => {
          const name = job(phase).metadata.name;
          expect(name).to.match(new RegExp(`^zk-membership-${phase}-[0-9a-f]{10}$`));
          expect(job(phase).metadata.name).to.equal(name);
          const secret = { username: ADMIN_USER, passwordSecret: { name: "zk-auth-y", key: ADMIN_PASSWORD_KEY } };
          expect(job(phase, jobInput(undefined, { admin: secret })).metadata.name).to.equal(name);
          expect(job(phase, jobInput(dynamic({ replicas: 5 }))).metadata.name).to.not.equal(name);
        });
      }

      it("both Jobs' names fit the job-name label (63 characters) for the longest name prefix (40)", () => {
        const s = dynamic({ namePrefix: `a${"b".repeat(38)}-` });
        for (const phase of ["remove", "add"] as const) {
          for (const input of [jobInput(), jobInput(s)]) {
            const name = job(phase, input).metadata.name;
            expect(name.length, name).to.be.at.most(63);
          }
        }
      });

      it("both are replaced when unready (pulumi.com/replaceUnready) and give up before Pulumi's 10-minute wait", () => {
        for (const phase of ["remove", "add"] as const) {
          const j = job(phase);
          expect(j.metadata.annotations).to.deep.equal({ "pulumi.com/replaceUnready": "true" });
          expect(j.spec.activeDeadlineSeconds).to.be.a("number").and.below(600);
        }
      });

      it("both take the super user's password from a secretKeyRef, never as a value", () => {
        for (const phase of ["remove", "add"] as const) {
          expect(secretRefOf(job(phase))).to.deep.equal({
            name: MEMBERSHIP_ENV.saslPassword,
            valueFrom: { secretKeyRef: { name: "zk-auth-x", key: ADMIN_PASSWORD_KEY } },
          });
        }
      });

      it("their pods carry the membership labels, never the ensemble's selector app=zk", () => {
        for (const phase of ["remove", "add"] as const) {
          const labels = job(phase).spec.template.metadata.labels;
          expect(labels).to.deep.equal(membershipLabels(ensembleNames()));
          for (const [k, v] of Object.entries(podSelector(ensembleNames()))) expect(labels[k], k).to.not.equal(v);
        }
      });
    });

    it("the NetworkPolicy admits the ensemble's and the membership Jobs' pods to the plaintext client port, even with clientAccess labelled", () => {
      const s = dynamic({ clientAccess: { mode: "labelled", label: { "zk-client": "true" } } });
      const byJobs = (np: ReturnType<typeof renderNetworkPolicy>) =>
        np!.spec.ingress.filter((r: any) =>
          r.from?.some((p: any) => p.podSelector?.matchLabels?.["app.kubernetes.io/component"] === "membership"),
        );
      expect(byJobs(renderNetworkPolicy(s))).to.deep.equal([
        {
          ports: [{ protocol: "TCP", port: PORT_NAMES.client }],
          from: [{ podSelector: { matchLabels: podSelector(s.names) } }, { podSelector: { matchLabels: membershipLabels(s.names) } }],
        },
      ]);
      expect(byJobs(renderNetworkPolicy(resolveEnsemble({ clientAccess: s.clientAccess }))), "static").to.deep.equal([]);
    });

    it("the seed and code ConfigMaps, both Jobs, the StatefulSet and the NetworkPolicy validate against the Kubernetes schema", () => {
      const s = dynamic();
      const manifests = [
        renderSeedConfigMap(s, 3),
        renderMembershipConfigMap(s.namespace, s.names, "// the job\n"),
        job("remove"),
        job("add"),
        renderStatefulSet(s, "zk-config-x", undefined, "zk-auth-x"),
        renderNetworkPolicy(s)!,
      ];
      for (const m of manifests) expect(() => validateManifest(m), `${m.kind} ${m.metadata.name}`).to.not.throw();
    });
  });

  describe("zk/membership.ts, pure parts", () => {
    const lines = (n: number, client = ";2181") =>
      Array.from({ length: n }, (_, i) => `server.${i + 1}=${fqdn(i + 1)}:2888:3888:participant${client}`);
    const committed = (n: number) => parseEnsembleConfig([...lines(n), "version=100000000"].join("\n"));
    const target = (n: number) => memberLines(dynamic(), n);

    it("membershipFromConf reads the members and version from a serving server's conf (no trailing newline)", () => {
      const conf = [
        ...["clientPort=2181", "secureClientPort=-1", "dataDir=/var/lib/zookeeper/data/version-2", "dataDirSize=67108880"],
        ...["dataLogDir=/var/lib/zookeeper/data/log/version-2", "dataLogSize=1234", "tickTime=1000", "maxClientCnxns=60"],
        ...["minSessionTimeout=4000", "maxSessionTimeout=40000", "clientPortListenBacklog=-1", "serverId=1", "initLimit=20"],
        ...["syncLimit=2", "electionAlg=3", "electionPort=3888", "quorumPort=2888", "peerType=0", "membership: "],
        ...lines(3, ";0.0.0.0:2181"),
        "version=100000000",
      ].join("\n");
      const config = membershipFromConf(conf)!;
      expect(config.members.map((m) => [m.id, m.addresses[0].host])).to.deep.equal([1, 2, 3].map((n) => [n, fqdn(n)]));
      expect(config.version).to.equal(0x100000000n);
    });

    it("membershipFromConf reads nothing from a server that does not serve", () => {
      expect(membershipFromConf("This ZooKeeper instance is not currently serving requests\n")).to.equal(undefined);
    });

    it("planChange: remove 5 -> 3 leaves 4 and 5; add 3 -> 5 joins exactly 4's and 5's lines; add 5 -> 3 reports 4 and 5 left over", () => {
      expect(planChange("remove", committed(5), target(3))).to.deep.equal({ leaving: [4, 5], joining: [] });
      expect(planChange("add", committed(3), target(5))).to.deep.equal({ leaving: [], joining: target(5).slice(3), leftover: [] });
      expect(planChange("add", committed(5), target(3))).to.deep.equal({ leaving: [], joining: [], leftover: [4, 5] });
    });
  });

  describe("the bundled job, run with plain node", function () {
    this.timeout(60000);
    let root: string;
    let script: string;
    /** The rendered command line: `node <code>/<file> membership`. */
    const command = job("remove").spec.template.spec.containers[0].command;
    before(() => {
      // Alone in a directory, as the ConfigMap mounts it: nothing to resolve beside it.
      root = fs.mkdtempSync(path.join(os.tmpdir(), "kz-membership-job-"));
      script = path.join(root, path.basename(command[1]));
      fs.writeFileSync(script, readJobsBundle());
    });
    after(() => fs.rmSync(root, { recursive: true, force: true }));

    const run = (env: Record<string, string>, args = command.slice(2)) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const options = { cwd: root, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, timeout: 30000 };
        execFile(process.execPath, [script, ...args], options, (err: ExecFileException | null, stdout, stderr) =>
          resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
        );
      });
    /** A port nothing listens on: bound by the system, then released. */
    const freePort = () =>
      new Promise<number>((resolve) => {
        const server = net.createServer().listen(0, "127.0.0.1", () => {
          const { port } = server.address() as net.AddressInfo;
          server.close(() => resolve(port));
        });
      });
    /** The environment the rendered Job gives, pointed at `endpoint`, with the password its Secret would give. */
    const envFor = (phase: "remove" | "add", endpoint: string) => {
      const env = job(phase, jobInput(undefined, { clientEndpoint: endpoint, serversName: "servers.invalid" })).spec.template.spec
        .containers[0].env;
      const values = Object.fromEntries(env.flatMap((e) => ("value" in e ? [[e.name, e.value as string]] : [])));
      return { ...values, [MEMBERSHIP_ENV.saslPassword]: PASSWORD };
    };

    it("runs the job its command line names: none or an unknown one exits 2 naming the jobs the bundle has", async () => {
      expect(command.slice(2)).to.deep.equal(["membership"]);
      for (const args of [[], ["grow"]]) {
        const wrong = await run(envFor("remove", "127.0.0.1:2181"), args);
        expect(wrong.code, args.join(" ")).to.equal(2);
        expect(wrong.stderr).to.contain("usage: node jobs.js backup|membership");
        expect(wrong.stdout).to.equal("");
      }
    });

    it("exits 2 naming ZK_MEMBERSHIP_PHASE with an empty environment, and naming it and the value for phase grow", async () => {
      const empty = await run({});
      expect(empty.code).to.equal(2);
      expect(empty.stderr).to.contain(MEMBERSHIP_ENV.phase);
      const grow = await run({ ...envFor("remove", "127.0.0.1:2181"), [MEMBERSHIP_ENV.phase]: "grow" });
      expect(grow.code).to.equal(2);
      expect(grow.stderr).to.contain(`${MEMBERSHIP_ENV.phase} must be remove or add, got "grow"`);
    });

    it("with no server anywhere: remove exits 0 with nothing to change, add exits 1 changing nothing; neither prints the password", async () => {
      const endpoint = `127.0.0.1:${await freePort()}`;
      const remove = await run(envFor("remove", endpoint));
      expect(remove.code, remove.stderr).to.equal(0);
      expect(remove.stdout).to.contain("no server exists yet").and.contain("nothing to change");
      const add = await run(envFor("add", endpoint));
      expect(add.code, add.stdout).to.equal(1);
      expect(add.stderr).to.contain("no member serves").and.contain("nothing was changed").and.contain(endpoint);
      for (const out of [remove.stdout, remove.stderr, add.stdout, add.stderr]) expect(out).not.to.contain(PASSWORD);
    });
  });

  describe("the program under Pulumi mocks", () => {
    useHomeWithKubeconfig();

    it("prod (dynamic): remove Job -> StatefulSet -> add Job, the remove Job after the one seed zk-members, passwords by secretKeyRef", async () => {
      const { resources } = await runProgram("prod", stackConfig("prod"));
      // The membership Jobs (the roll Job, rollOrder leader-last, is test/program/roll.test.ts's).
      const jobs = ofType(resources, JOB).filter((r) => r.name.includes("-membership-"));
      const remove = jobs.find((r) => r.name.endsWith("-membership-remove"))!;
      const add = jobs.find((r) => r.name.endsWith("-membership-add"))!;
      expect(jobs.map((r) => r.name).sort()).to.deep.equal([add.name, remove.name].sort());
      const sts = one(resources, STS);
      const seeds = ofType(resources, CM).filter((r) => r.inputs.metadata?.name === "zk-members");
      expect(seeds).to.have.length(1);
      expect(dependsOn(sts, JOB, remove), "the StatefulSet waits for the remove Job").to.equal(true);
      expect(dependsOn(add, STS, sts), "the add Job waits for the StatefulSet").to.equal(true);
      expect(dependsOn(remove, CM, seeds[0]), "the remove Job waits for the seed").to.equal(true);
      for (const j of [remove, add]) {
        const password = secretRefOf(j.inputs);
        expect(password, j.name).to.not.have.property("value");
        expect(password.valueFrom.secretKeyRef.key, j.name).to.equal(ADMIN_PASSWORD_KEY);
      }
    });

    it("a change of clientUsers (a new JAAS Secret and a server roll) leaves both Jobs and the backup CronJob as they were", async () => {
      // pulumi-kubernetes replaces a Job whose spec.template changes (upstream-rules.ts
      // PULUMI_KUBERNETES_REPLACES): the Jobs must not name the JAAS Secret, whose name follows the users.
      const render = async (users: string) => {
        const raw = stackConfig("prod", { clientAuth: "digest", clientUsers: users, backupSchedule: "0 3 * * *" });
        const { resources } = await runProgram("prod", raw, ["clientUsers"]);
        const sts = one(resources, STS).inputs.spec.template.spec.volumes as any[];
        return {
          jaas: sts.find((v) => v.name === "auth").secret.secretName as string,
          jobs: ofType(resources, JOB)
            .filter((r) => r.name.includes("-membership-"))
            .map((r) => ({ name: r.name, metadata: r.inputs.metadata, spec: r.inputs.spec })),
          cron: one(resources, "kubernetes:batch/v1:CronJob").inputs.spec,
        };
      };
      const before = await render("app:app-Pa55word-1");
      const after = await render("app:app-Pa55word-1,ops:ops-Pa55word-2");
      expect(after.jaas, "the servers roll to the new users").to.not.equal(before.jaas);
      expect(after.jobs).to.have.length(2);
      expect(after.jobs).to.deep.equal(before.jobs);
      expect(after.cron).to.deep.equal(before.cron);
      for (const j of after.jobs) expect(secretRefOf(j).valueFrom.secretKeyRef.name, j.name).to.equal("zk-admin");
    });

    it("dev (static): no membership Job and no zk-members ConfigMap", async () => {
      const { resources } = await runProgram("dev", stackConfig("dev"));
      expect(ofType(resources, JOB).filter((r) => r.name.includes("-membership-"))).to.deep.equal([]);
      expect(ofType(resources, CM).filter((r) => r.inputs.metadata?.name === "zk-members")).to.deep.equal([]);
    });
  });

  describe("settings", () => {
    useHomeWithKubeconfig();
    const problemsOf = (raw: Record<string, string>) => {
      try {
        parseStackConfig(raw);
      } catch (e) {
        expect(e).to.be.instanceOf(StackConfigError);
        return (e as Error).message.split("\n").slice(1);
      }
      return [];
    };

    it("membership dynamic with tls on is refused before any resource, naming membership and offering membership static or tls prefer", async () => {
      const run = await attemptProgram("dev", stackConfig("dev", { membership: "dynamic", tls: "on" }));
      const message = (run.error as Error).message;
      expect(message).to.contain("membership: cannot be dynamic with tls on yet");
      expect(message).to.contain("pulumi config set membership static").and.contain("pulumi config set tls prefer");
      expect(run.resources).to.have.length(0);
      expect(problemsOf({ membership: "dynamic", tls: "prefer" }), "tls prefer is accepted").to.deep.equal([]);
      expect(() => resolveEnsemble({ membership: "dynamic", tls: { mode: "generated" } })).to.throw(
        /membership: cannot be dynamic with tlsStage on yet/,
      );
    });

    it("replicas -1 with membership dynamic is refused, naming replicas", () => {
      const problems = problemsOf({ membership: "dynamic", replicas: "-1" });
      expect(problems).to.have.length(1);
      expect(problems[0]).to.match(/^ {2}- replicas: /);
      expect(() => dynamic({ replicas: -1 })).to.throw(/replicas: must be a whole number of servers, at least 1/);
    });
  });
});
