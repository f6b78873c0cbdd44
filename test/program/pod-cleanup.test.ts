import { expect } from "chai";
import * as net from "net";
import { useMocks, settle, one, revealed, isSecretInput } from "../../harness/mocks";
import { startFakeKubeApi, testPki, FakeKubeApi } from "../../harness/fake-kube-api";
import { PodCleanup, PodCleanupArgs, PodCleanupInputs } from "../../components/zookeeper/pod-cleanup";
import { rejection } from "../../harness/rejection";

const requireFromString = require("require-from-string");
const POD_CLEANUP_TYPE = "pulumi-nodejs:dynamic/zookeeper:PodCleanup";
const PODS = "/api/v1/namespaces/default/pods?labelSelector=app%3Dzk";

/**
 * The provider as `pulumi destroy` runs it: serialized by Pulumi into the resource's __provider
 * input, then loaded from that text (as Pulumi's provider host does). The access input is a
 * secret, which the mocks hand over wrapped; the provider host receives it plain.
 */
async function serializedPodCleanup(args: PodCleanupArgs) {
  const resources = useMocks("dev");
  new PodCleanup("cleanup", args);
  await settle(resources);
  const { __provider, ...inputs } = one(resources, POD_CLEANUP_TYPE).inputs;
  expect(__provider, "the provider is serialized into the inputs").to.be.a("string");
  return {
    provider: requireFromString(__provider).handler(),
    accessWasSecret: isSecretInput(inputs.access),
    inputs: { ...inputs, access: revealed(inputs.access) } as PodCleanupInputs,
  };
}

/** A 127.0.0.1 port nothing listens on: bound once to get a free one, then closed. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

describe("the destroy-time pod cleanup, loaded from its serialized form", function () {
  this.timeout(30000);
  let api: FakeKubeApi;
  let provider: any;
  let inputs: PodCleanupInputs;
  let accessWasSecret: boolean;
  before(async () => {
    api = await startFakeKubeApi();
    ({ provider, inputs, accessWasSecret } = await serializedPodCleanup({
      namespace: "default",
      labelSelector: "app=zk",
      access: api.access(),
      deleteUnreachable: false,
    }));
  });
  after(async () => {
    await api?.close();
  });
  beforeEach(() => {
    api.requests.length = 0;
    api.pods = {};
  });

  it("registers the API access as a secret input", () => {
    expect(accessWasSecret).to.equal(true);
    expect(inputs.access).to.deep.equal(api.access());
  });

  it("create lists the pods by their selector and returns namespace/selector as the id", async () => {
    const { id, outs } = await provider.create(inputs);
    expect(id).to.equal("default/app=zk");
    expect(outs).to.deep.equal(inputs);
    expect(api.requests).to.deep.equal([`GET ${PODS}`]);
  });

  describe("with credentials the API server refuses", () => {
    let tokenApi: FakeKubeApi;
    before(async () => {
      tokenApi = await startFakeKubeApi({ auth: "token", token: "right" });
    });
    after(async () => {
      await tokenApi?.close();
    });

    it("create fails naming the namespace and the API server's answer", async () => {
      const access = { server: tokenApi.url, caPem: testPki().caCert, token: "wrong" };
      const error = await rejection(provider.create({ ...inputs, access }));
      expect(error.message).to.contain("checking that the ensemble's pods in namespace default can be cleaned up at destroy");
      expect(error.message).to.contain("the API server answered 401: Unauthorized");
    });
  });

  it("delete removes exactly the pods carrying the label", async () => {
    api.pods = {
      default: [
        { name: "zk-0", labels: { app: "zk" } },
        { name: "other", labels: { app: "other" } },
      ],
    };
    await provider.delete("default/app=zk", inputs);
    expect(api.pods.default).to.deep.equal([{ name: "other", labels: { app: "other" } }]);
    expect(api.requests[0]).to.equal(`DELETE ${PODS}`);
  });

  describe("delete against a cluster that does not answer", () => {
    let unreachable: PodCleanupInputs;
    before(async () => {
      unreachable = { ...inputs, access: { server: `https://127.0.0.1:${await closedPort()}` } };
    });

    it("succeeds when deleteUnreachable is set", async () => {
      expect(await provider.delete("default/app=zk", { ...unreachable, deleteUnreachable: true })).to.equal(undefined);
    });

    it("fails, naming the server, when deleteUnreachable is not set", async () => {
      const error = await rejection(provider.delete("default/app=zk", { ...unreachable, deleteUnreachable: false }));
      expect(error.message).to.contain(`DELETE /api/v1/namespaces/default/pods on ${unreachable.access.server}: `);
      expect(error.message).to.contain("ECONNREFUSED");
    });
  });

  describe("diff", () => {
    it("replaces on a changed namespace or label selector", async () => {
      const namespace = await provider.diff("default/app=zk", inputs, { ...inputs, namespace: "zk" });
      expect(namespace).to.deep.equal({ changes: true, replaces: ["namespace"] });
      const selector = await provider.diff("default/app=zk", inputs, { ...inputs, labelSelector: "app=zk2" });
      expect(selector).to.deep.equal({ changes: true, replaces: ["labelSelector"] });
    });

    it("updates in place on changed access alone", async () => {
      const news = { ...inputs, access: { ...inputs.access, token: "rotated" } };
      expect(await provider.diff("default/app=zk", inputs, news)).to.deep.equal({ changes: true, replaces: [] });
    });

    it("reports no changes for identical inputs", async () => {
      expect(await provider.diff("default/app=zk", inputs, structuredClone(inputs))).to.deep.equal({ changes: false, replaces: [] });
    });
  });
});
