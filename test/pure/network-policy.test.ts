import { expect } from "chai";
import { renderNetworkPolicy } from "../../components/zookeeper/network-policy";
import type { ClientAccess } from "../../components/zookeeper/options";
import { resolveEnsemble, portFeatures } from "../../components/zookeeper/options";
import { TlsStage } from "../../components/zookeeper/transitions";
import { listeningPorts } from "../../components/zookeeper/ports";
import { renderStatefulSet } from "../../components/zookeeper/statefulset";
import { validateManifest } from "../../harness/schema";

// rollOrder ordinal: the policy of the ports alone (leader-last adds the roll Job's rule to the
// plaintext client port, test/pure/roll-job.test.ts, and is refused with tls on).
const ensemble = (clientAccess: ClientAccess, tls: TlsStage, metrics: boolean, metricsAccessNamespace?: string) =>
  resolveEnsemble({
    rollOrder: "ordinal",
    clientAccess,
    tls: tls === "off" ? undefined : { mode: "generated" },
    tlsStage: tls === "off" ? undefined : tls,
    metrics,
    metricsAccessNamespace,
  });
const policy = (clientAccess: ClientAccess = { mode: "any" }, tls: TlsStage = "off", metrics = true, metricsAccessNamespace?: string) =>
  renderNetworkPolicy(ensemble(clientAccess, tls, metrics, metricsAccessNamespace))!;
const rulesFor = (p: ReturnType<typeof policy>, portName: string) =>
  p.spec.ingress.filter((r) => r.ports.some((port) => port.port === portName));
const podLabels = renderStatefulSet(resolveEnsemble({}), "h").spec.template.metadata.labels;

describe("the NetworkPolicy", () => {
  for (const tls of ["off", "accept", "prefer", "on"] as const)
    for (const metrics of [false, true]) {
      const features = [`TLS ${tls}`, metrics && "metrics"].filter(Boolean).join(", ");
      it(`admits every port a server listens on to the right peers, and closes the loopback-only ones (${features || "plain"})`, () => {
        const p = policy({ mode: "any" }, tls, metrics);
        const covered = p.spec.ingress.flatMap((r) => r.ports.map((port) => port.port));
        const listening = listeningPorts(portFeatures(ensemble({ mode: "any" }, tls, metrics)));
        // No rule for a port nobody listens on.
        expect(covered.filter((name) => !listening.some((l) => l.name === name))).to.deep.equal([]);
        for (const port of listening) {
          const rules = rulesFor(p, port.name);
          if (port.audience === "pod") {
            expect(rules, `${port.name} is closed to other pods`).to.deep.equal([]);
          } else if (port.audience === "peers") {
            expect(rules, port.name).to.have.length(1);
            expect(rules[0].from, `${port.name}: only the ensemble's own pods`).to.deep.equal([
              { podSelector: { matchLabels: { app: "zk" } } },
            ]);
          } else {
            // Clients and scrapers: any source by default, nodes included (exposeOnHost's NodePort, a node's Prometheus).
            expect(rules, port.name).to.have.length(1);
            expect(rules[0], `${port.name}: any source`).not.to.have.property("from");
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

  it("narrows the metrics port to the pods of metricsAccessNamespace, by the namespace's automatic name label", () => {
    expect(rulesFor(policy({ mode: "any" }, "off", true, "monitoring"), "metrics")[0].from).to.deep.equal([
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } },
    ]);
    expect(rulesFor(policy({ mode: "namespace" }, "off", false), "metrics")).to.deep.equal([]);
  });

  it("is not rendered when turned off", () => {
    expect(renderNetworkPolicy(resolveEnsemble({ networkPolicy: false }))).to.equal(undefined);
  });
});
