// Tenants under Pulumi mocks: what the whole program registers for the `tenants` setting (the
// passwords, the JAAS Secret the servers mount, each tenant's Secret and the secret output, the Job
// after the StatefulSet, the NetworkPolicy rule for its pods), what stays secret, and that a stack
// without tenants registers none of it.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { runProgram, ofType, one, promiseOf, revealed, isSecretInput, Registered } from "../../harness/mocks";
import { isKubernetesObject, validateAgainstSchema } from "../../harness/schema";
import { stackConfig } from "../../harness/stack-files";
import { ADMIN_PASSWORD_KEY, CLIENT_AUTH_PATHS } from "../../components/zookeeper/client-auth";
import { ADMIN_USER } from "../../components/zookeeper/users";
import { TENANTS_ENV } from "../../zk/facts/tenants";
import { tenantLabels } from "../../components/zookeeper/tenants";
import { ensembleNames } from "../../components/zookeeper/names";

const STS = "kubernetes:apps/v1:StatefulSet";
const CM = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const JOB = "kubernetes:batch/v1:Job";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const TENANTS =
  '[{"name":"kafka","quota":{"nodes":1000}},{"name":"solr","chroot":"/apps/solr","secretNamespace":"search"},{"name":"old","deleteData":true}]';

const urnOf = (r: Registered) => r.name;
const dependsOn = (r: Registered, on: Registered) => r.options.dependencies.some((d) => d.endsWith(`::${urnOf(on)}`));
const secretNamed = (resources: Registered[], name: string) => ofType(resources, SECRET).find((r) => r.inputs.metadata?.name === name);

describe("tenants under mocks", function () {
  this.timeout(120000);
  let resources: Registered[];
  let outputs: Record<string, pulumi.Output<any>>;
  before(async () => {
    ({ resources, outputs } = await runProgram("dev", stackConfig("dev", { clientAuth: "digest", tenants: TENANTS })));
  });

  it("a password per live tenant (none for a retired one), and the servers' JAAS file holds their users, only as a secret", () => {
    const passwords = ofType(resources, PASSWORD).map((r) => r.name);
    expect(passwords).to.include.members(["zookeeper-tenant-kafka-password", "zookeeper-tenant-solr-password"]);
    expect(passwords.filter((n) => n.includes("old"))).to.deep.equal([]);
    const jaas = ofType(resources, SECRET).find((r) => /^zk-auth-/.test(r.inputs.metadata.name))!;
    expect(isSecretInput(jaas.inputs.stringData)).to.equal(true);
    const file = revealed(jaas.inputs.stringData)[CLIENT_AUTH_PATHS.file] as string;
    expect(file).to.contain('user_kafka="mock-password-of-zookeeper-tenant-kafka-password"');
    expect(file).to.contain('user_solr="mock-password-of-zookeeper-tenant-solr-password"');
    expect(file).not.to.contain("user_old");
    expect(file).to.contain(`user_${ADMIN_USER}=`);
  });

  it("each live tenant's Secret, in its secretNamespace (default the ensemble's): the connection string with its chroot, user, password, JAAS Client section; secret data, after the Job", () => {
    const job = one(
      resources.filter((r) => r.name.endsWith("-tenants")),
      JOB,
    );
    for (const [tenant, chroot, namespace] of [
      ["kafka", "/kafka", "zookeeper"],
      ["solr", "/apps/solr", "search"],
    ]) {
      const secret = secretNamed(resources, `zk-tenant-${tenant}`)!;
      expect(secret, tenant).to.not.equal(undefined);
      expect(secret.inputs.metadata.namespace, `${tenant}'s Secret lands in its secretNamespace, else the ensemble's`).to.equal(namespace);
      expect(isSecretInput(secret.inputs.stringData)).to.equal(true);
      const data = revealed(secret.inputs.stringData);
      expect(data.connectionString).to.match(
        new RegExp(`^zk-0\\.zk-hs\\.zookeeper\\.svc\\.cluster\\.local:2181,.*zk-2[^,]*:2181${chroot}$`),
      );
      expect(data.user).to.equal(tenant);
      expect(data.password).to.equal(`mock-password-of-zookeeper-tenant-${tenant}-password`);
      expect(data["jaas.conf"]).to.contain(`username="${tenant}"`);
      expect(data).not.to.have.property("ca.crt");
      expect(dependsOn(secret, job), `${tenant}'s Secret waits for the Job`).to.equal(true);
    }
    expect(secretNamed(resources, "zk-tenant-old")).to.equal(undefined);
    expect(JSON.stringify(ofType(resources, JOB).map((r) => r.inputs))).not.to.contain("mock-password-of-zookeeper-tenant");
  });

  it("the tenants output: each live tenant's connection, as a secret", async () => {
    expect(await pulumi.isSecret(outputs.tenants)).to.equal(true);
    const tenants = await promiseOf(outputs.tenants);
    expect(Object.keys(tenants)).to.deep.equal(["kafka", "solr"]);
    expect(tenants.solr.connectionString).to.match(/:2181\/apps\/solr$/);
  });

  it("the Job runs after the StatefulSet, as the super user from the admin Secret, with the plan; zoo.cfg enforces quotas", () => {
    const job = one(
      resources.filter((r) => r.name.endsWith("-tenants")),
      JOB,
    );
    const sts = one(resources, STS);
    expect(dependsOn(job, sts)).to.equal(true);
    const pod = job.inputs.spec.template.spec;
    expect(pod.containers[0].command.slice(-1)).to.deep.equal(["tenants"]);
    const env = pod.containers[0].env as any[];
    expect(env).to.deep.include({ name: TENANTS_ENV.saslUsername, value: ADMIN_USER });
    expect(env).to.deep.include({
      name: TENANTS_ENV.saslPassword,
      valueFrom: { secretKeyRef: { name: "zk-admin", key: ADMIN_PASSWORD_KEY } },
    });
    expect(env).to.deep.include({ name: TENANTS_ENV.servers, value: "zk-cs.zookeeper.svc.cluster.local:2181" });
    const plan = JSON.parse(env.find((e) => e.name === TENANTS_ENV.plan).value);
    expect(plan.map((t: any) => [t.name, t.chroot, t.deleteData])).to.deep.equal([
      ["kafka", "/kafka", false],
      ["solr", "/apps/solr", false],
      ["old", "/old", true],
    ]);
    const code = ofType(resources, CM).find(
      (r) => r.inputs.metadata.name === pod.volumes.find((v: any) => v.name === "code").configMap.name,
    );
    expect(code, "the Job's code ConfigMap").to.not.equal(undefined);
    expect(job.inputs.metadata.annotations).to.deep.equal({ "pulumi.com/replaceUnready": "true" });
    const cfg = ofType(resources, CM).find((r) => r.inputs.data?.["zoo.cfg"])!.inputs.data["zoo.cfg"] as string;
    expect(cfg.split("\n")).to.include("enforceQuota=true");
  });

  it("the tenantPlan output (what verify checks): the plan without passwords and the Job's URN; the Job is deleted before it is replaced, so `pulumi up --replace <urn>` runs it again", async () => {
    const job = one(
      resources.filter((r) => r.name.endsWith("-tenants")),
      JOB,
    );
    expect(job.options.deleteBeforeReplace).to.equal(true);
    expect(await pulumi.isSecret(outputs.tenantPlan)).to.equal(false);
    const check = await promiseOf(outputs.tenantPlan);
    expect(check.tenants.map((t: any) => [t.name, t.user, t.chroot, t.deleteData])).to.deep.equal([
      ["kafka", "kafka", "/kafka", false],
      ["solr", "solr", "/apps/solr", false],
      ["old", "old", "/old", true],
    ]);
    expect(check.tenants[0].quota).to.deep.equal({ nodes: 1000 });
    // The engine's URN of the Job, as the tenant Secrets (which wait for it) name it.
    expect(secretNamed(resources, "zk-tenant-kafka")!.options.dependencies).to.include(check.jobUrn);
    expect(check.jobUrn).to.match(/^urn:pulumi:dev::kind-zookeeper::.*\$kubernetes:batch\/v1:Job::zookeeper-tenants$/);
    expect(JSON.stringify(check)).not.to.contain("mock-password");
  });

  it("the NetworkPolicy admits the Job's pods to the plaintext client port", () => {
    const ingress = one(resources, NETPOL).inputs.spec.ingress as any[];
    expect(ingress).to.deep.include({
      ports: [{ protocol: "TCP", port: "client" }],
      from: [{ podSelector: { matchLabels: tenantLabels(ensembleNames()) } }],
    });
  });

  it("every Kubernetes object is valid against the upstream schema", () => {
    for (const r of resources.filter(isKubernetesObject)) validateAgainstSchema(r);
  });

  it("with tls prefer and certificates made by the program, each Secret also holds the CA", async () => {
    const run = await runProgram("dev", stackConfig("dev", { clientAuth: "digest", tenants: '[{"name":"kafka"}]', tls: "prefer" }));
    const data = revealed(secretNamed(run.resources, "zk-tenant-kafka")!.inputs.stringData);
    expect(data["ca.crt"]).to.equal(await promiseOf(run.outputs.caCertificate));
  });

  it("a stack without tenants registers no tenant object, no output and no enforceQuota", async () => {
    const run = await runProgram("dev", stackConfig("dev", { clientAuth: "digest", clientUsers: "app:app-Pa55word-1" }), ["clientUsers"]);
    expect(ofType(run.resources, JOB).filter((r) => /tenant/.test(r.name))).to.deep.equal([]);
    expect(ofType(run.resources, SECRET).filter((r) => /tenant/.test(r.inputs.metadata.name))).to.deep.equal([]);
    expect(run.outputs).not.to.have.property("tenants");
    expect(run.outputs).not.to.have.property("tenantPlan");
    const cfg = ofType(run.resources, CM).find((r) => r.inputs.data?.["zoo.cfg"])!.inputs.data["zoo.cfg"] as string;
    expect(cfg).not.to.contain("enforceQuota");
  });
});
