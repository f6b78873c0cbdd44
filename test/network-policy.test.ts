import { expect } from "chai";
import { renderNetworkPolicy, ClientAccess } from "../components/zookeeper/network-policy";
import { resolveEnsemble } from "../components/zookeeper/options";
import { listeningPorts } from "../components/zookeeper/ports";
import { renderStatefulSet } from "../components/zookeeper/statefulset";
import { validateManifest } from "./support/schema";

const policy = (clientAccess: ClientAccess = { mode: "any" }, tls = false) =>
  renderNetworkPolicy(resolveEnsemble({ clientAccess, tls: tls ? { mode: "generated" } : undefined }))!;
const rulesFor = (p: ReturnType<typeof policy>, portName: string) =>
  p.spec.ingress.filter((r) => r.ports.some((port) => port.port === portName));
const podLabels = renderStatefulSet(resolveEnsemble({}), "h").spec.template.metadata.labels;

describe("the NetworkPolicy", () => {
  for (const tls of [false, true]) {
    it(`admits every port a server listens on to the right peers, and closes the loopback-only ones${tls ? " (TLS)" : ""}`, () => {
      const p = policy({ mode: "any" }, tls);
      for (const port of listeningPorts({ tls, metrics: false })) {
        const rules = rulesFor(p, port.name);
        if (port.audience === "pod") {
          expect(rules, `${port.name} is closed to other pods`).to.deep.equal([]);
        } else if (port.audience === "peers") {
          expect(rules, port.name).to.have.length(1);
          expect(rules[0].from, `${port.name}: only the ensemble's own pods`).to.deep.equal([
            { podSelector: { matchLabels: { app: "zk" } } },
          ]);
        } else {
          expect(rules, port.name).to.have.length(1);
          expect(rules[0], `${port.name}: any source, nodes included (exposeOnHost's NodePort)`).not.to.have.property("from");
        }
      }
    });
  }

  it("applies to the ensemble's pods, for ingress only", () => {
    const p = policy();
    for (const [key, value] of Object.entries(p.spec.podSelector.matchLabels)) expect(podLabels[key]).to.equal(value);
    expect(p.spec.policyTypes).to.deep.equal(["Ingress"]);
    validateManifest(p);
  });

  it("narrows the client port to the namespace's pods, or to labelled pods of any namespace", () => {
    expect(rulesFor(policy({ mode: "namespace" }), "client")[0].from).to.deep.equal([{ podSelector: {} }]);
    expect(rulesFor(policy({ mode: "labelled", label: { "zk-client": "true" } }), "client")[0].from).to.deep.equal([
      { namespaceSelector: {}, podSelector: { matchLabels: { "zk-client": "true" } } },
    ]);
    // The quorum's rule is the same whoever the clients are.
    expect(rulesFor(policy({ mode: "namespace" }), "server")).to.deep.equal(rulesFor(policy(), "server"));
  });

  it("is not rendered when turned off", () => {
    expect(renderNetworkPolicy(resolveEnsemble({ networkPolicy: false }))).to.equal(undefined);
  });
});
