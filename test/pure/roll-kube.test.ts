// The roll Job's Kubernetes part (zk/roll-kube.ts) against a stand-in API server that answers as
// kube-apiserver does for the three requests it makes, and the job's environment (jobs/roll.ts).
import { expect } from "chai";
import * as http from "http";
import { AddressInfo } from "net";
import { kubeRollCluster, ApiError } from "../../zk/roll-kube";
import { readRollRun } from "../../jobs/roll";
import { ROLL_ENV, POD_REVISION_LABEL } from "../../zk/facts/roll-env";

interface StandInPod {
  name: string;
  revision: string;
  ready: boolean;
  deleting?: boolean;
}

/** A stand-in API server holding one StatefulSet `zk` in `ns` and its pods; it records each request. */
async function standIn(state: { generation: number; observed: number; updateRevision: string; pods: StandInPod[] }) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url!, "http://x");
    if (req.method === "GET" && url.pathname === "/apis/apps/v1/namespaces/ns/statefulsets/zk") {
      return send(200, {
        metadata: { name: "zk", generation: state.generation },
        status: { observedGeneration: state.observed, updateRevision: state.updateRevision, currentRevision: "zk-old" },
      });
    }
    if (req.method === "GET" && url.pathname === "/api/v1/namespaces/ns/pods") {
      expect(url.searchParams.get("labelSelector")).to.equal("app=zk");
      return send(200, {
        items: state.pods.map((p) => ({
          metadata: {
            name: p.name,
            labels: { app: "zk", [POD_REVISION_LABEL]: p.revision },
            ...(p.deleting ? { deletionTimestamp: "now" } : {}),
          },
          status: { conditions: [{ type: "Ready", status: p.ready ? "True" : "False" }] },
        })),
      });
    }
    const del = /^\/api\/v1\/namespaces\/ns\/pods\/(.+)$/.exec(url.pathname);
    if (req.method === "DELETE" && del) {
      const pod = state.pods.find((p) => p.name === del[1]);
      if (!pod) return send(404, { kind: "Status", message: `pods "${del[1]}" not found` });
      pod.deleting = true;
      return send(200, { kind: "Pod" });
    }
    send(403, { kind: "Status", message: "forbidden" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe("the roll Job's Kubernetes part (kubeRollCluster)", () => {
  it("reads each pod's ordinal, Ready condition, deletion and whether its revision label is the update revision", async () => {
    const api = await standIn({
      generation: 3,
      observed: 3,
      updateRevision: "zk-new",
      pods: [
        { name: "zk-0", revision: "zk-old", ready: true },
        { name: "zk-1", revision: "zk-new", ready: false },
        { name: "zk-2", revision: "zk-old", ready: true, deleting: true },
        { name: "zk-backup-x", revision: "zk-new", ready: true },
      ],
    });
    try {
      const seen = await kubeRollCluster({ server: api.url }, { namespace: "ns", name: "zk", selector: "app=zk" }).pods();
      expect(seen).to.deep.equal({
        settled: true,
        pods: [
          { ordinal: 0, phase: "running", ready: true, updated: false },
          { ordinal: 1, phase: "running", ready: false, updated: true },
          { ordinal: 2, phase: "terminating", ready: true, updated: false },
        ],
      });
    } finally {
      await api.close();
    }
  });

  it("is not settled while the controller has not observed the latest generation", async () => {
    const api = await standIn({ generation: 4, observed: 3, updateRevision: "zk-old", pods: [] });
    try {
      expect((await kubeRollCluster({ server: api.url }, { namespace: "ns", name: "zk", selector: "app=zk" }).pods()).settled).to.equal(
        false,
      );
    } finally {
      await api.close();
    }
  });

  it("deletes one pod by name; a pod already gone is no error; a refusal is", async () => {
    const api = await standIn({ generation: 1, observed: 1, updateRevision: "r", pods: [{ name: "zk-1", revision: "r", ready: true }] });
    try {
      const cluster = kubeRollCluster({ server: api.url }, { namespace: "ns", name: "zk", selector: "app=zk" });
      await cluster.deletePod(1);
      await cluster.deletePod(2);
      expect(api.requests).to.deep.equal(["DELETE /api/v1/namespaces/ns/pods/zk-1", "DELETE /api/v1/namespaces/ns/pods/zk-2"]);
      const refused = kubeRollCluster({ server: api.url }, { namespace: "other", name: "zk", selector: "app=zk" });
      let error: unknown;
      await refused.deletePod(0).catch((e) => (error = e));
      expect(error).to.be.instanceOf(ApiError);
      expect((error as ApiError).status).to.equal(403);
      expect((error as Error).message).to.contain("forbidden");
    } finally {
      await api.close();
    }
  });
});

describe("the roll Job's environment (readRollRun)", () => {
  const env = {
    [ROLL_ENV.statefulSet]: "zk",
    [ROLL_ENV.namespace]: "ns",
    [ROLL_ENV.replicas]: "3",
    [ROLL_ENV.selector]: "app=zk",
    [ROLL_ENV.serversDomain]: "zk-hs.ns.svc.cluster.local",
    [ROLL_ENV.clientPort]: "2181",
  };
  const access = () => ({ server: "http://127.0.0.1:1" });

  it("names each server by its pod and reaches it at its FQDN, or where ZK_ROLL_HOSTS maps it", () => {
    const run = readRollRun({ ...env, [ROLL_ENV.hosts]: "zk-1.zk-hs.ns.svc.cluster.local=127.0.0.61" }, access);
    expect([0, 1].map(run.hostOf)).to.deep.equal(["zk-0.zk-hs.ns.svc.cluster.local", "127.0.0.61"]);
    expect(run.nameOf!(2)).to.equal("zk-2");
    expect(run.waitMs).to.equal(300000);
  });

  it("refuses a missing or malformed value, naming the variable", () => {
    for (const [name, value, message] of [
      [ROLL_ENV.statefulSet, "", `${ROLL_ENV.statefulSet} is required`],
      [ROLL_ENV.replicas, "three", `${ROLL_ENV.replicas} must be a whole number of at least 1, got "three"`],
      [ROLL_ENV.waitSeconds, "0", `${ROLL_ENV.waitSeconds} must be a whole number of at least 1, got "0"`],
    ]) {
      expect(() => readRollRun({ ...env, [name]: value }, access), name).to.throw(message);
    }
  });

  it("outside a pod (no KUBERNETES_SERVICE_HOST) says it has no access to the API server", () => {
    expect(() => readRollRun(env)).to.throw("no access to the API server: KUBERNETES_SERVICE_HOST is not set");
  });
});
