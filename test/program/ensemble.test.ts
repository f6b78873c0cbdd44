import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import { useMocks, settle, promiseOf, ofType } from "../../harness/mocks";
import { isKubernetesObject } from "../../harness/schema";
import { ZooKeeperEnsemble } from "../../components/zookeeper";

describe("the ZooKeeperEnsemble component", () => {
  it("every child has the component as its parent and the provider from the component's options", async () => {
    const resources = useMocks("test");
    const provider = new k8s.Provider("cluster", {});
    const zk = new ZooKeeperEnsemble("zk", {}, { provider });
    await settle(resources);
    const componentUrn = await promiseOf(zk.urn);
    const children = resources.filter(isKubernetesObject);
    // The roll Job and its ServiceAccount, Role, RoleBinding and code: rollOrder leader-last, the default.
    expect(children.map((r) => r.type).sort()).to.deep.equal([
      "kubernetes:apps/v1:StatefulSet",
      "kubernetes:batch/v1:Job",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Service",
      "kubernetes:core/v1:Service",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ]);
    const providerUrn = await promiseOf(provider.urn);
    for (const child of children) {
      expect(child.options.parent, child.name).to.equal(componentUrn);
      expect(child.provider, child.name).to.equal(`${providerUrn}::cluster-id`);
    }
  });

  it("refuses to be made without a Kubernetes provider, rather than use the ambient kubeconfig", () => {
    useMocks("test");
    expect(() => new ZooKeeperEnsemble("zk", {})).to.throw("ZooKeeperEnsemble needs a Kubernetes provider in its resource options");
  });

  it("its outputs depend on the resources they name: the connection string on the StatefulSet", async () => {
    const resources = useMocks("test");
    const provider = new k8s.Provider("cluster", {});
    const zk = new ZooKeeperEnsemble("zk", {}, { provider });
    await settle(resources);
    const dependsOn = async (o: unknown) => [...(await (o as any).resources())];
    expect(await dependsOn(zk.connectionString)).to.include(zk.statefulSet);
    expect(await dependsOn(zk.serverFqdns)).to.include(zk.statefulSet);
    expect((await dependsOn(zk.namespace)).length, "the namespace output comes from the Namespace").to.equal(1);
  });

  it("several ensembles with prefixes share a namespace without colliding", async () => {
    const resources = useMocks("test");
    const provider = new k8s.Provider("cluster", {});
    const a = new ZooKeeperEnsemble("orders", { namePrefix: "orders-", namespace: "shared", createNamespace: false }, { provider });
    const b = new ZooKeeperEnsemble("billing", { namePrefix: "billing-", namespace: "shared", createNamespace: false }, { provider });
    await Promise.all([promiseOf(a.statefulSet.urn), promiseOf(b.statefulSet.urn)]);
    await settle(resources);
    const objects = resources.filter(isKubernetesObject);
    const keys = objects.map((r) => `${r.type}/${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`);
    expect(new Set(keys).size).to.equal(keys.length);
    expect(ofType(resources, "kubernetes:core/v1:Namespace")).to.have.length(0);
    expect(await promiseOf(b.connectionString)).to.contain("billing-zk-0.billing-zk-hs.shared.svc.cluster.local:2181");
  });
});
