// The roll Job and the tenants Job with TLS, under Pulumi mocks: at each stage the whole program
// renders the port the Jobs dial (plaintext at off and accept, the secure one at prefer and on:
// zk/facts/tls-client.ts jobsDialTls, its reason in test/pure/tls-jobs.test.ts), and with TLS the CA
// they trust (only ca.crt of the TLS Secret the StatefulSet mounts, read-only) and the environment
// naming it; the NetworkPolicy admits their pods to that port; a tenant's Secret says how a Java
// client uses the port its connection string names. What the Jobs do with it on real servers:
// test/servers/tls-jobs.test.ts.
import { expect } from "chai";
import { runProgram, ofType, one, promiseOf, revealed, Registered } from "../../harness/mocks";
import { isKubernetesObject, validateAgainstSchema } from "../../harness/schema";
import { stackConfig } from "../../harness/stack-files";
import { ensembleNames } from "../../components/zookeeper/names";
import { rollLabels } from "../../components/zookeeper/roll-job";
import { tenantLabels, TENANT_CLIENT_JVM_FLAGS, TENANT_CLIENT_TLS_JVM_FLAGS } from "../../components/zookeeper/tenants";
import { ROLL_ENV } from "../../zk/facts/roll-env";
import { TENANTS_ENV } from "../../zk/facts/tenants";
import { JOB_CA_MOUNT, JOB_TLS_ENV } from "../../zk/facts/tls-client";

const JOB = "kubernetes:batch/v1:Job";
const SECRET = "kubernetes:core/v1:Secret";
const STS = "kubernetes:apps/v1:StatefulSet";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const TENANTS = '[{"name":"kafka"}]';

const jobNamed = (resources: Registered[], name: string) => ofType(resources, JOB).find((r) => r.name === name)!;
const podSpec = (job: Registered) => job.inputs.spec.template.spec;
const envOf = (job: Registered) => Object.fromEntries((podSpec(job).containers[0].env as any[]).map((e) => [e.name, e.value]));
const dependsOn = (r: Registered, on: Registered) => r.options.dependencies.some((urn) => urn.endsWith(`${on.type}::${on.name}`));
/** The TLS Secret's name as the StatefulSet mounts it. */
const tlsSecretOfServers = (resources: Registered[]) =>
  (one(resources, STS).inputs.spec.template.spec.volumes as any[]).find((v) => v.name === "tls")?.secret.secretName as string | undefined;

const sameLabels = (a: Record<string, string> | undefined, b: Record<string, string>) =>
  a !== undefined && Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/** The CA volume and mount a Job gets with TLS: ca.crt alone, from the servers' TLS Secret. */
function expectCaMounted(job: Registered, secretName: string, what: string): void {
  const spec = podSpec(job);
  const volume = (spec.volumes as any[]).find((v) => v.secret);
  expect(volume, `${what}: the CA volume`).to.deep.equal({
    name: "zookeeper-ca",
    secret: { secretName, items: [{ key: "ca.crt", path: JOB_CA_MOUNT.file }], defaultMode: 0o444 },
  });
  expect(spec.containers[0].volumeMounts, what).to.deep.include({ name: "zookeeper-ca", mountPath: JOB_CA_MOUNT.dir });
  expect(envOf(job)[JOB_TLS_ENV.caFile], what).to.equal(`${JOB_CA_MOUNT.dir}/${JOB_CA_MOUNT.file}`);
}

function expectNoCa(job: Registered, what: string): void {
  expect(
    (podSpec(job).volumes as any[]).filter((v) => v.secret),
    `${what}: no Secret volume`,
  ).to.deep.equal([]);
  expect(envOf(job), what).not.to.have.property(JOB_TLS_ENV.caFile);
}

describe("the roll and tenants Jobs with TLS (program under mocks)", function () {
  this.timeout(120000);

  for (const [tls, port, portName] of [
    [undefined, 2181, "client"],
    ["accept", 2181, "client"],
    ["prefer", 2281, "client-tls"],
    ["on", 2281, "client-tls"],
  ] as const) {
    const stage = tls ?? "off";
    describe(`tls ${stage} (rollOrder leader-last, the default; clientAuth digest, a tenant)`, () => {
      let resources: Registered[];
      let outputs: Record<string, any>;
      before(async () => {
        ({ resources, outputs } = await runProgram(
          "dev",
          stackConfig("dev", { clientAuth: "digest", tenants: TENANTS, ...(tls ? { tls } : {}) }),
        ));
      });

      it(`the roll Job asks port ${port}${port === 2281 ? ", trusting ca.crt of the servers' TLS Secret, mounted alone" : ", with no CA mounted"}`, () => {
        const job = jobNamed(resources, "zookeeper-roll");
        expect(envOf(job)[ROLL_ENV.clientPort]).to.equal(String(port));
        if (port === 2281) expectCaMounted(job, tlsSecretOfServers(resources)!, "roll");
        else expectNoCa(job, "roll");
      });

      it(`the tenants Job connects to the client Service's port ${port}${port === 2281 ? " with the same CA" : ""}, after the NetworkPolicy`, () => {
        const job = jobNamed(resources, "zookeeper-tenants");
        expect(envOf(job)[TENANTS_ENV.servers]).to.equal(`zk-cs.zookeeper.svc.cluster.local:${port}`);
        expect(envOf(job), "the tests' resolver hook is never rendered").not.to.have.property(TENANTS_ENV.hosts);
        if (port === 2281) expectCaMounted(job, tlsSecretOfServers(resources)!, "tenants");
        else expectNoCa(job, "tenants");
        expect(dependsOn(job, one(resources, NETPOL))).to.equal(true);
      });

      it(`the NetworkPolicy admits the roll and tenants pods to ${portName} only`, () => {
        const ingress = one(resources, NETPOL).inputs.spec.ingress as any[];
        for (const labels of [rollLabels(ensembleNames()), tenantLabels(ensembleNames())]) {
          const rules = ingress.filter((r) => (r.from ?? []).some((f: any) => sameLabels(f.podSelector?.matchLabels, labels)));
          expect(rules, labels["app.kubernetes.io/name"]).to.deep.equal([
            { ports: [{ protocol: "TCP", port: portName }], from: [{ podSelector: { matchLabels: labels } }] },
          ]);
        }
      });

      it(`the tenant's Secret: connectionString on ${stage === "on" ? "2281 and jvmFlags turning on the Java client's TLS (Netty, PEM trust store)" : "2181 (the stack's connectionString) and jvmFlags without TLS"}${tls ? ", ca.crt the CA" : ""}`, async () => {
        const secret = ofType(resources, SECRET).find((r) => r.inputs.metadata?.name === "zk-tenant-kafka")!;
        const data = revealed(secret.inputs.stringData) as Record<string, string>;
        const secure = stage === "on";
        expect(data.connectionString).to.match(
          new RegExp(`^zk-0\\.zk-hs\\.zookeeper\\.svc\\.cluster\\.local:${secure ? 2281 : 2181},.*/kafka$`),
        );
        expect(data.jvmFlags).to.equal(secure ? `${TENANT_CLIENT_JVM_FLAGS} ${TENANT_CLIENT_TLS_JVM_FLAGS}` : TENANT_CLIENT_JVM_FLAGS);
        if (tls) expect(data["ca.crt"]).to.equal(await promiseOf(outputs.caCertificate));
        else expect(data).not.to.have.property("ca.crt");
      });

      it("every Kubernetes object is valid against the upstream schema", () => {
        for (const r of resources.filter(isKubernetesObject)) validateAgainstSchema(r);
      });
    });
  }

  it("tlsSecretName (a Secret of yours, cert-manager's layout): the Jobs mount ca.crt of that Secret", async () => {
    const { resources } = await runProgram(
      "dev",
      stackConfig("dev", { clientAuth: "digest", tenants: TENANTS, tls: "on", tlsSecretName: "zk-certs" }),
    );
    expect(tlsSecretOfServers(resources)).to.equal("zk-certs");
    expectCaMounted(jobNamed(resources, "zookeeper-roll"), "zk-certs", "roll");
    expectCaMounted(jobNamed(resources, "zookeeper-tenants"), "zk-certs", "tenants");
  });
});
