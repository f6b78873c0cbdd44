import { expect } from "chai";
import * as k8s from "@pulumi/kubernetes";
import { useMocks, settle, promiseOf, ofType } from "./support/mocks";
import { isKubernetesObject } from "./support/schema";
import { ZooKeeperEnsemble } from "../components/zookeeper";

describe("the ZooKeeperEnsemble component", () => {
  it("creates every child inside itself and through the provider it is given", async () => {
    const resources = useMocks("test");
    const provider = new k8s.Provider("cluster", {});
    const zk = new ZooKeeperEnsemble("zk", { provider });
    await promiseOf(zk.statefulSet.urn);
    await settle(resources);
    const component = resources.find((r) => r.type === "kind-zookeeper:index:ZooKeeperEnsemble");
    expect(component, "the component registers itself").not.to.equal(undefined);
    const children = resources.filter(isKubernetesObject);
    expect(children.map((r) => r.type).sort()).to.deep.equal([
      "kubernetes:apps/v1:StatefulSet", "kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:Service", "kubernetes:core/v1:Service", "kubernetes:policy/v1:PodDisruptionBudget",
    ]);
    const providerUrn = await promiseOf(provider.urn);
    for (const child of children) expect(child.provider, child.name).to.equal(`${providerUrn}::cluster-id`);
    // A child's URN type chain shows its parent.
    const stsUrn = await promiseOf(zk.statefulSet.urn);
    expect(stsUrn).to.contain("kind-zookeeper:index:ZooKeeperEnsemble$kubernetes:apps/v1:StatefulSet");
  });

  it("several ensembles with prefixes share a namespace without colliding", async () => {
    const resources = useMocks("test");
    const provider = new k8s.Provider("cluster", {});
    const a = new ZooKeeperEnsemble("orders", { provider, namePrefix: "orders-", namespace: "shared", createNamespace: false });
    const b = new ZooKeeperEnsemble("billing", { provider, namePrefix: "billing-", namespace: "shared", createNamespace: false });
    await Promise.all([promiseOf(a.statefulSet.urn), promiseOf(b.statefulSet.urn)]);
    await settle(resources);
    const objects = resources.filter(isKubernetesObject);
    const keys = objects.map((r) => `${r.type}/${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`);
    expect(new Set(keys).size).to.equal(keys.length);
    expect(ofType(resources, "kubernetes:core/v1:Namespace")).to.have.length(0);
    expect(await promiseOf(b.connectionString)).to.contain("billing-zk-0.billing-zk-hs.shared.svc.cluster.local:2181");
  });
});
