// harness/held.ts decides whether the cluster tier's API server holds what the engine sent: it
// must see a dropped field (as Kubernetes 1.36 drops the StatefulSet's maxUnavailable), and not
// report what the API server only rewrites (quantities, a Secret's stringData) or cannot be read
// (values encrypted in the state).
import { expect } from "chai";
import { differences, heldAsRendered } from "../../harness/held";

describe("the cluster tier's comparison of what was sent with what the API server holds", () => {
  it("a rendered field the API server dropped is a difference naming its path", () => {
    const sent = { spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, partition: 0 } } } };
    const held = { spec: { updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } } }, status: {} };
    expect(differences(sent, held)).to.deep.equal([".spec.updateStrategy.rollingUpdate.maxUnavailable: 1 -> undefined"]);
  });

  it("defaults the API server adds are not differences; quantities compare by value", () => {
    expect(
      differences({ cpu: "0.5", memory: "1024Mi", n: [1, "a"] }, { cpu: "500m", memory: "1Gi", n: [1, "a"], extra: true }),
    ).to.deep.equal([]);
    expect(differences({ memory: "1Gi" }, { memory: "2Gi" })).to.deep.equal(['.memory: "1Gi" -> "2Gi"']);
    expect(differences({ ports: [1, 2] }, { ports: [1] })).to.deep.equal([".ports: [1,2] -> [1]"]);
  });

  it("a Secret's plain stringData is compared as its base64 data; values encrypted in the state are skipped", async () => {
    const secret = {
      kind: "Secret",
      metadata: { name: "s", namespace: "zookeeper" },
      stringData: { user: "admin", password: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "x" } },
    };
    const live = {
      kind: "Secret",
      metadata: { name: "s", namespace: "zookeeper" },
      data: { user: Buffer.from("admin").toString("base64"), password: "cGFzcw==" },
    };
    expect(await heldAsRendered([secret], async () => live)).to.deep.equal([]);
    const wrong = { ...live, data: { ...live.data, user: Buffer.from("root").toString("base64") } };
    expect(await heldAsRendered([secret], async () => wrong)).to.deep.equal([`Secret zookeeper/s.data.user: "YWRtaW4=" -> "cm9vdA=="`]);
    expect(await heldAsRendered([secret], async () => undefined)).to.deep.equal(["Secret zookeeper/s: not found"]);
  });
});
