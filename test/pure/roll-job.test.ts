// The roll Job's renders (rollOrder, components/zookeeper/roll-job.ts): the StatefulSet's update
// strategy by rollOrder, the Job (its name a digest of the pod template, its env the one jobs/roll.ts
// reads, its bounds), the RBAC it gets (scoped to this StatefulSet and its pods by name), the
// NetworkPolicy rule, and leader-last at every TLS stage (the port and CA by stage: tls-jobs.test.ts).
// Upstream sources relied on:
// - kubernetes v1.36.3 pkg/controller/statefulset/stateful_set_control.go updateStatefulSet:
//   RollingUpdate always deletes the highest outdated ordinal first; OnDelete recreates a deleted pod
//   at the update revision and deletes none by itself.
// - pulumi-kubernetes provider/pkg/await/job.go: a Job is awaited until Complete, 10 minutes unless
//   customTimeouts say otherwise; provider.go honours pulumi.com/replaceUnready.
import { expect } from "chai";
import { resolveEnsemble, EnsembleOptions, PORTS, ENSEMBLE_DEFAULTS } from "../../components/zookeeper/options";
import { renderStatefulSet } from "../../components/zookeeper/statefulset";
import { renderNetworkPolicy } from "../../components/zookeeper/network-policy";
import {
  renderRollJob,
  renderRollRbac,
  renderRollConfigMap,
  rollLabels,
  templateDigest,
  ROLL_JOB_LIMITS,
  RollJobInput,
} from "../../components/zookeeper/roll-job";
import { renderMembershipJob } from "../../components/zookeeper/membership-jobs";
import { renderNodeJobPodSpec } from "../../components/node-job/pod";
import { ROLL_ENV } from "../../zk/facts/roll-env";
import { readRollRun } from "../../jobs/roll";
import { validateManifest } from "../../harness/schema";

const input = (o: EnsembleOptions = {}): RollJobInput => {
  const s = resolveEnsemble(o);
  return {
    namespace: s.namespace,
    names: s.names,
    replicas: s.replicas,
    serversDomain: `${s.names.headlessService}.${s.namespace}.svc.${s.clusterDomain}`,
    clientPort: PORTS.client,
  };
};
const templateOf = (o: EnsembleOptions = {}) => renderStatefulSet(resolveEnsemble(o), "zk-config-x").spec.template;
const job = (o: EnsembleOptions = {}, code = "zk-roll-code-x") => renderRollJob(input(o), templateDigest(templateOf(o)), code);
const envOf = (j: ReturnType<typeof job>) =>
  Object.fromEntries(j.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

/** Another job's pod: one with no ServiceAccount of its own. */
const backupPod = () =>
  renderNodeJobPodSpec({ job: "backup", container: "b", env: [], resources: { requests: {}, limits: {} }, codeConfigMap: "c" });

describe("the roll Job's renders (rollOrder)", () => {
  it("leader-last is the default; the StatefulSet updates OnDelete with it and RollingUpdate (partition 0) with ordinal", () => {
    expect(ENSEMBLE_DEFAULTS.rollOrder).to.equal("leader-last");
    const strategy = (o: EnsembleOptions) => renderStatefulSet(resolveEnsemble(o), "zk-config-x").spec.updateStrategy;
    expect(strategy({})).to.deep.equal({ type: "OnDelete" });
    expect(strategy({ rollOrder: "ordinal" })).to.deep.equal({ type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    validateManifest(renderStatefulSet(resolveEnsemble({}), "zk-config-x"));
  });

  it("the Job's name follows the pod template, the replicas and the code, and nothing else: a heap change makes a new Job, a PDB change none", () => {
    const name = (o: EnsembleOptions = {}, code?: string) => job(o, code).metadata.name;
    expect(name()).to.match(/^zk-roll-[0-9a-f]{10}$/);
    expect(name(), "same template, same Job").to.equal(name());
    expect(name({ heap: "1g" }), "the heap is in the template").to.not.equal(name());
    expect(name({ pdbMaxUnavailable: 0 }), "the budget is not").to.equal(name());
    expect(name({}, "zk-roll-code-y"), "new code").to.not.equal(name());
    expect(name({ replicas: 5 }), "replicas").to.not.equal(name());
    expect(name({ namePrefix: "a".repeat(40) + "-" }).length, "at most 63 characters (the job-name label)").to.be.at.most(63);
  });

  it("the Job runs `node jobs.js roll` with the environment jobs/roll.ts reads, which it accepts", () => {
    const j = job();
    expect(j.spec.template.spec.containers[0].command).to.deep.equal(["node", "/opt/kind-zookeeper/jobs.js", "roll"]);
    const env = envOf(j);
    expect(env).to.deep.equal({
      [ROLL_ENV.statefulSet]: "zk",
      [ROLL_ENV.namespace]: { fieldRef: { fieldPath: "metadata.namespace" } },
      [ROLL_ENV.replicas]: "3",
      [ROLL_ENV.selector]: "app=zk",
      [ROLL_ENV.serversDomain]: "zk-hs.zookeeper.svc.cluster.local",
      [ROLL_ENV.clientPort]: "2181",
      [ROLL_ENV.waitSeconds]: String(ROLL_JOB_LIMITS.waitSeconds),
    });
    // What the job makes of it (the downward API's namespace filled in as the kubelet would).
    const run = readRollRun({ ...env, [ROLL_ENV.namespace]: "zookeeper" } as NodeJS.ProcessEnv, () => ({ server: "http://127.0.0.1:1" }));
    expect(run.replicas).to.equal(3);
    expect(run.hostOf(2)).to.equal("zk-2.zk-hs.zookeeper.svc.cluster.local");
    expect(run.waitMs).to.equal(ROLL_JOB_LIMITS.waitSeconds * 1000);
  });

  it("bounds: replaceUnready, the deadline below the customTimeouts Pulumi waits, room for five servers each waited for to the bound", () => {
    const j = job();
    expect(j.metadata.annotations).to.deep.equal({ "pulumi.com/replaceUnready": "true" });
    expect(j.spec.activeDeadlineSeconds).to.be.below(ROLL_JOB_LIMITS.customTimeoutMinutes * 60);
    expect(j.spec.activeDeadlineSeconds).to.be.at.least(5 * ROLL_JOB_LIMITS.waitSeconds);
    validateManifest(j);
  });

  it("the roll pod mounts its own ServiceAccount's token; the other jobs' pods still get none", () => {
    const spec = job().spec.template.spec;
    expect(spec).to.include({ serviceAccountName: "zk-roll", automountServiceAccountToken: true });
    const other = backupPod();
    expect(other.automountServiceAccountToken).to.equal(false);
    expect(other).not.to.have.property("serviceAccountName");
    const membership = renderMembershipJob(
      {
        namespace: "zookeeper",
        names: input().names,
        target: [],
        clientEndpoint: "zk-cs:2181",
        clientPort: 2181,
        serversName: "zk-hs",
        admin: { username: "super", passwordSecret: { name: "zk-admin", key: "password" } },
      },
      "add",
      "code",
    );
    expect(membership.spec.template.spec.automountServiceAccountToken).to.equal(false);
  });

  it("every job's container makes its log's last lines its termination message when it fails, so pulumi up says why, not only an exit code", () => {
    // Shown under the real engine in test/cluster/jobs.test.ts (a refused roll).
    expect(job().spec.template.spec.containers[0].terminationMessagePolicy).to.equal("FallbackToLogsOnError");
    const other = backupPod();
    expect(other.containers[0].terminationMessagePolicy).to.equal("FallbackToLogsOnError");
  });

  it("RBAC: get this StatefulSet only, list pods, delete only zk-0 .. zk-<replicas-1> by name; the account itself mounts no token elsewhere", () => {
    const rbac = renderRollRbac("zookeeper", input().names, 3);
    expect(rbac.role.rules).to.deep.equal([
      { apiGroups: ["apps"], resources: ["statefulsets"], resourceNames: ["zk"], verbs: ["get"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
      { apiGroups: [""], resources: ["pods"], resourceNames: ["zk-0", "zk-1", "zk-2"], verbs: ["delete"] },
    ]);
    expect(renderRollRbac("zookeeper", input().names, 5).role.rules[2].resourceNames).to.have.length(5);
    expect(rbac.roleBinding.roleRef).to.deep.equal({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "zk-roll" });
    expect(rbac.roleBinding.subjects).to.deep.equal([{ kind: "ServiceAccount", name: "zk-roll", namespace: "zookeeper" }]);
    expect(rbac.serviceAccount.automountServiceAccountToken).to.equal(false);
    for (const o of [rbac.serviceAccount, rbac.role, rbac.roleBinding]) validateManifest(o);
    validateManifest(renderRollConfigMap("zookeeper", input().names, "// code"));
  });

  it("the NetworkPolicy admits the roll pods to the plaintext client port with leader-last at tls off and accept, to the secure one at prefer and on, even when clientAccess admits only labelled pods; not with ordinal", () => {
    const rule = (port: string) => ({
      ports: [{ protocol: "TCP", port }],
      from: [{ podSelector: { matchLabels: rollLabels(input().names) } }],
    });
    const labelled: EnsembleOptions = { clientAccess: { mode: "labelled", label: { "zk-client": "true" } } };
    expect(renderNetworkPolicy(resolveEnsemble(labelled))!.spec.ingress).to.deep.include(rule("client"));
    for (const [tlsStage, port] of [
      ["accept", "client"],
      ["prefer", "client-tls"],
      ["on", "client-tls"],
    ] as const) {
      const ingress = renderNetworkPolicy(resolveEnsemble({ ...labelled, tls: { mode: "generated" }, tlsStage }))!.spec.ingress;
      expect(ingress, tlsStage).to.deep.include(rule(port));
      expect(ingress, tlsStage).not.to.deep.include(rule(port === "client" ? "client-tls" : "client"));
    }
    expect(renderNetworkPolicy(resolveEnsemble({ ...labelled, rollOrder: "ordinal" }))!.spec.ingress).not.to.deep.include(rule("client"));
  });

  it("leader-last is taken at every tls stage (tls on, the default stage, included)", () => {
    expect(() => resolveEnsemble({ tls: { mode: "generated" } })).not.to.throw();
    for (const tlsStage of ["accept", "prefer", "on"] as const) {
      expect(resolveEnsemble({ tls: { mode: "generated" }, tlsStage }).rollOrder, tlsStage).to.equal("leader-last");
    }
  });
});

describe("templateDigest", () => {
  it("ignores key order and undefined fields (a reordered render makes no new Job), and sees every value", () => {
    expect(templateDigest({ a: 1, b: { c: [1, { d: 2, e: 3 }] } })).to.equal(
      templateDigest({ b: { c: [1, { e: 3, d: 2 }] }, a: 1, z: undefined }),
    );
    expect(templateDigest({ a: 1, b: { c: [1, { d: 2 }] } })).to.not.equal(templateDigest({ a: 1, b: { c: [1, { d: 3 }] } }));
    expect(templateDigest({ a: [1, 2] })).to.not.equal(templateDigest({ a: [2, 1] }));
  });
});
