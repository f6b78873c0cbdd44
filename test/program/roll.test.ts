// The roll Job wired into the program (setting rollOrder, components/zookeeper/roll-job.ts) under
// Pulumi mocks: what runs after what (the Job after the StatefulSet, its RBAC, its code and the
// NetworkPolicy; after the add Job with dynamic membership; the tenants Job after it), the RBAC's
// scope, the NetworkPolicy rule, the Job's name (a new one only for a new pod template), and the
// settings that refuse leader-last. The roll itself (which pod is deleted when) is proven on real
// ZooKeeper in test/servers/roll.test.ts; the cluster tier (test/cluster/changes.test.ts) runs the
// program under the real CLI against a real API server.
// Upstream sources relied on:
// - pulumi-kubernetes provider/pkg/await/statefulset.go: an OnDelete StatefulSet at generation > 1 is
//   done once replicas == status.replicas == status.readyReplicas (the old pods still running), so a
//   Job that depends on it starts after the new template is taken, before any pod restarted.
// - pulumi-kubernetes provider/pkg/await/job.go: a Job is awaited until Complete, 10 minutes unless
//   customTimeouts say otherwise; a Failed Job fails the update.
import { expect } from "chai";
import { parseStackConfig } from "../../config";
import { rollLabels, ROLL_JOB_LIMITS } from "../../components/zookeeper/roll-job";
import { ensembleNames } from "../../components/zookeeper/names";
import { runProgram, ofType, one, Registered } from "../../harness/mocks";
import { validateAgainstSchema } from "../../harness/schema";
import { stackConfig, useHomeWithKubeconfig } from "../../harness/stack-files";

const JOB = "kubernetes:batch/v1:Job";
const STS = "kubernetes:apps/v1:StatefulSet";
const SA = "kubernetes:core/v1:ServiceAccount";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CM = "kubernetes:core/v1:ConfigMap";

const dependsOn = (r: Registered, on: Registered) => r.options.dependencies.some((urn) => urn.endsWith(`${on.type}::${on.name}`));
const jobNamed = (resources: Registered[], name: string) => ofType(resources, JOB).find((r) => r.name === name)!;
const rollJob = (resources: Registered[]) => jobNamed(resources, "zookeeper-roll");

describe("the roll Job in the program (rollOrder)", function () {
  this.timeout(60000);
  useHomeWithKubeconfig();

  describe("dev (rollOrder leader-last, the default)", () => {
    let resources: Registered[];
    before(async () => {
      ({ resources } = await runProgram("dev", stackConfig("dev")));
    });

    it("the StatefulSet updates OnDelete, and the roll Job runs after it, its RoleBinding, its code and the NetworkPolicy, awaited up to customTimeouts", () => {
      const sts = one(resources, STS);
      expect(sts.inputs.spec.updateStrategy).to.deep.equal({ type: "OnDelete" });
      const job = rollJob(resources);
      expect(job.inputs.metadata.name).to.match(/^zk-roll-[0-9a-f]{10}$/);
      for (const on of [
        sts,
        one(resources, BINDING),
        ofType(resources, CM).find((r) => r.name === "zookeeper-roll-code")!,
        one(resources, NETPOL),
      ]) {
        expect(dependsOn(job, on), `${on.type} ${on.name}`).to.equal(true);
      }
      const timeout = `${ROLL_JOB_LIMITS.customTimeoutMinutes}m`;
      expect(job.options.customTimeouts).to.deep.equal({ create: timeout, update: timeout, delete: "" });
      expect(job.inputs.spec.activeDeadlineSeconds).to.be.below(ROLL_JOB_LIMITS.customTimeoutMinutes * 60);
      expect(job.inputs.spec.template.spec.serviceAccountName).to.equal(one(resources, SA).inputs.metadata.name);
    });

    it("RBAC scoped: the Role gets the StatefulSet zk only, lists pods, deletes only zk-0, zk-1, zk-2; the binding names only the roll's ServiceAccount", () => {
      const role = one(resources, ROLE).inputs;
      expect(role.metadata).to.include({ name: "zk-roll", namespace: "zookeeper" });
      expect(role.rules).to.deep.equal([
        { apiGroups: ["apps"], resources: ["statefulsets"], resourceNames: ["zk"], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
        { apiGroups: [""], resources: ["pods"], resourceNames: ["zk-0", "zk-1", "zk-2"], verbs: ["delete"] },
      ]);
      const binding = one(resources, BINDING);
      expect(binding.inputs.subjects).to.deep.equal([{ kind: "ServiceAccount", name: "zk-roll", namespace: "zookeeper" }]);
      expect(binding.inputs.roleRef).to.deep.equal({ apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "zk-roll" });
      expect(dependsOn(binding, one(resources, ROLE)) && dependsOn(binding, one(resources, SA))).to.equal(true);
      for (const r of [one(resources, SA), one(resources, ROLE), binding, rollJob(resources)]) validateAgainstSchema(r);
    });

    it("the NetworkPolicy admits the roll pods to the plaintext client port", () => {
      expect(one(resources, NETPOL).inputs.spec.ingress).to.deep.include({
        ports: [{ protocol: "TCP", port: "client" }],
        from: [{ podSelector: { matchLabels: rollLabels(ensembleNames()) } }],
      });
    });

    it("the same settings give the same Job name (no new Job: nothing restarts); a heap change a new one; a PDB change none", async () => {
      const name = async (over: Record<string, string> = {}) =>
        rollJob((await runProgram("dev", stackConfig("dev", over))).resources).inputs.metadata.name as string;
      const base = rollJob(resources).inputs.metadata.name;
      expect(await name()).to.equal(base);
      expect(await name({ heap: "1g" })).to.not.equal(base);
      expect(await name({ pdbMaxUnavailable: "0" })).to.equal(base);
    });
  });

  it("prod (dynamic membership, tenants): the roll Job runs after the add Job, and the tenants Job after the roll Job", async () => {
    const { resources } = await runProgram("prod", stackConfig("prod", { clientAuth: "digest", tenants: '[{"name":"kafka"}]' }));
    const roll = rollJob(resources);
    expect(dependsOn(roll, jobNamed(resources, "zookeeper-membership-add"))).to.equal(true);
    expect(dependsOn(jobNamed(resources, "zookeeper-tenants"), roll)).to.equal(true);
    expect(one(resources, ROLE).inputs.rules[2].resourceNames).to.deep.equal(["zk-0", "zk-1", "zk-2", "zk-3", "zk-4"]);
  });

  it("rollOrder ordinal: the StatefulSet's RollingUpdate, and no roll Job, ServiceAccount, Role, RoleBinding or NetworkPolicy rule", async () => {
    const { resources } = await runProgram("dev", stackConfig("dev", { rollOrder: "ordinal" }));
    expect(one(resources, STS).inputs.spec.updateStrategy).to.deep.equal({ type: "RollingUpdate", rollingUpdate: { partition: 0 } });
    for (const type of [JOB, SA, ROLE, BINDING]) expect(ofType(resources, type), type).to.deep.equal([]);
    const froms = (one(resources, NETPOL).inputs.spec.ingress as any[]).flatMap((i) => i.from ?? []);
    expect(froms).not.to.deep.include({ podSelector: { matchLabels: rollLabels(ensembleNames()) } });
  });

  it("tls on with rollOrder leader-last (the default) is taken: the roll Job is rendered (its port and CA by stage: tls-jobs.test.ts)", async () => {
    const { resources } = await runProgram("dev", stackConfig("dev", { tls: "on" }));
    expect(rollJob(resources).inputs.metadata.name).to.match(/^zk-roll-[0-9a-f]{10}$/);
    expect(() => parseStackConfig({ tls: "on" })).not.to.throw();
  });
});
