// TLS and client authentication, as the whole program registers them under mocks: the objects, what
// stays secret, what the servers read, and the outputs a client needs.
import { expect } from "chai";
import * as pulumi from "@pulumi/pulumi";
import { runProgram, ofType, one, promiseOf, revealed, isSecretInput, Registered } from "../../harness/mocks";
import { isKubernetesObject, validateAgainstSchema } from "../../harness/schema";
import { stackConfig } from "../../harness/stack-files";
import { ADMIN_PASSWORD_KEY, CLIENT_AUTH_PATHS } from "../../components/zookeeper/client-auth";
import { ADMIN_USER } from "../../components/zookeeper/users";
import { TLS_PATHS } from "../../components/zookeeper/tls";

const STS = "kubernetes:apps/v1:StatefulSet";
const SVC = "kubernetes:core/v1:Service";
const CM = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CERT_REQUEST = "tls:index/certRequest:CertRequest";
const PASSWORD = "random:index/randomPassword:RandomPassword";

/** The servers' ConfigMap (not the jobs' code: the roll Job's, with rollOrder leader-last). */
const serversConfig = (resources: Registered[]) =>
  one(
    resources.filter((r) => r.name.endsWith("-config")),
    CM,
  );
const zooCfg = (resources: Registered[]) => serversConfig(resources).inputs.data["zoo.cfg"] as string;
const container = (resources: Registered[]) => one(resources, STS).inputs.spec.template.spec.containers[0];
const volumes = (resources: Registered[]) => one(resources, STS).inputs.spec.template.spec.volumes as any[];
const jaasSecret = (resources: Registered[]) =>
  one(
    resources.filter((r) => r.inputs.metadata?.name !== "zk-admin"),
    SECRET,
  );
const adminSecretOf = (resources: Registered[]) =>
  one(
    resources.filter((r) => r.inputs.metadata?.name === "zk-admin"),
    SECRET,
  );
const service = (resources: Registered[], name: string) => ofType(resources, SVC).find((r) => r.inputs.metadata.name === name)!;

function schemaValid(resources: Registered[]) {
  for (const r of resources.filter(isKubernetesObject)) validateAgainstSchema(r);
}

describe("security settings under mocks", function () {
  this.timeout(30000);

  describe("tls on, certificates made by the program", () => {
    let resources: Registered[];
    let outputs: Record<string, pulumi.Output<any>>;
    before(async () => {
      ({ resources, outputs } = await runProgram("dev", stackConfig("dev", { tls: "on", rollOrder: "ordinal" })));
    });

    it("zoo.cfg: the quorum over TLS, the secure client port, the plaintext one on loopback only, reload on", () => {
      const cfg = zooCfg(resources);
      for (const line of [
        "sslQuorum=true",
        "portUnification=false",
        "secureClientPort=2281",
        "clientPortAddress=127.0.0.1",
        "sslQuorumReloadCertFiles=true",
        "client.certReload=true",
        "fips-mode=false",
        "ssl.quorum.hostnameVerification=true",
        "ssl.quorum.clientHostnameVerification=false",
        "ssl.quorum.allowReverseDnsLookup=false",
        "ssl.allowReverseDnsLookup=false",
        `ssl.quorum.keyStore.location=${TLS_PATHS.storeDir}/keystore.pem`,
      ]) {
        expect(cfg.split("\n"), line).to.include(line);
      }
    });

    it("the certificate's key stays secret in the TLS Secret, which the pods mount read-only", () => {
      const secret = one(resources, SECRET);
      expect(secret.inputs.immutable).to.equal(true);
      expect(isSecretInput(secret.inputs.stringData), "stringData is a secret").to.equal(true);
      expect(Object.keys(revealed(secret.inputs.stringData)).sort()).to.deep.equal(["ca.crt", "tls.crt", "tls.key"]);
      expect(revealed(secret.inputs.stringData)["tls.key"]).to.contain("BEGIN PRIVATE KEY");
      expect(volumes(resources)).to.deep.include({ name: "tls", secret: { secretName: secret.inputs.metadata.name, defaultMode: 0o440 } });
      expect(container(resources).volumeMounts).to.deep.include({ name: "tls", mountPath: TLS_PATHS.secretMount, readOnly: true });
    });

    it("the certificate names every server and the client Service; without exposeOnHost no loopback name", () => {
      const request = one(resources, CERT_REQUEST).inputs;
      expect(request.dnsNames).to.deep.equal([
        "*.zk-hs.zookeeper.svc.cluster.local",
        "zk-cs.zookeeper.svc.cluster.local",
        "zk-cs.zookeeper.svc",
        "zk-cs.zookeeper",
        "zk-cs",
      ]);
      expect(request.ipAddresses).to.equal(undefined);
    });

    it("clients get the secure port: the client Service, the outputs, and the NetworkPolicy's client rule", async () => {
      expect(service(resources, "zk-cs").inputs.spec.ports.map((p: any) => p.port)).to.deep.equal([2281]);
      expect(await promiseOf(outputs.clientEndpoint)).to.equal("zk-cs.zookeeper.svc.cluster.local:2281");
      expect(await promiseOf(outputs.connectionString)).to.match(/^zk-0\.zk-hs\.zookeeper\.svc\.cluster\.local:2281,/);
      expect(await promiseOf(outputs.caCertificate)).to.contain("BEGIN CERTIFICATE");
      const ports = one(resources, NETPOL)
        .inputs.spec.ingress.flatMap((rule: any) => rule.ports)
        .map((p: any) => p.port);
      expect(ports).to.include("client-tls");
      expect(ports, "the plaintext client port is closed to other pods").not.to.include("client");
    });

    it("every Kubernetes object is valid against the upstream schema", () => schemaValid(resources));
  });

  for (const [stage, sslQuorum, portUnification] of [
    ["accept", "false", "true"],
    ["prefer", "true", "true"],
  ] as const) {
    it(`tls ${stage}: the quorum ${sslQuorum === "true" ? "dials TLS" : "still dials plaintext"} and accepts both; clients may use either client port`, async () => {
      const { resources, outputs } = await runProgram("dev", stackConfig("dev", { tls: stage, exposeOnHost: "true" }));
      const cfg = zooCfg(resources).split("\n");
      expect(cfg).to.include.members([`sslQuorum=${sslQuorum}`, `portUnification=${portUnification}`, "secureClientPort=2281"]);
      expect(
        cfg.filter((l) => l.startsWith("clientPortAddress=")),
        "the plaintext client port on every address",
      ).to.deep.equal([]);
      expect(service(resources, "zk-cs").inputs.spec.ports.map((p: any) => p.port)).to.deep.equal([2181, 2281]);
      expect(await promiseOf(outputs.connectionString), "clients move to 2281 when tls is on").to.match(/:2181,/);
      const nodePorts = service(resources, "zk-cs-nodeport")
        ? service(resources, "zk-cs-nodeport").inputs.spec.ports
        : ofType(resources, SVC).find((r) => r.inputs.spec.type === "NodePort")!.inputs.spec.ports;
      expect(
        nodePorts.filter((p: any) => p.nodePort !== undefined),
        "one node port, on the port clients connect to",
      ).to.have.length(1);
      schemaValid(resources);
    });
  }

  it("tls on with exposeOnHost: the certificate also names localhost and 127.0.0.1, which the host dials", async () => {
    const { resources } = await runProgram("dev", stackConfig("dev", { tls: "on", rollOrder: "ordinal", exposeOnHost: "true" }));
    const request = one(resources, CERT_REQUEST).inputs;
    expect(request.dnsNames).to.include("localhost");
    expect(request.ipAddresses).to.deep.equal(["127.0.0.1"]);
  });

  it("tlsSecretName: the pods mount that Secret, and the program makes no certificate", async () => {
    const { resources, outputs } = await runProgram(
      "dev",
      stackConfig("dev", { tls: "on", rollOrder: "ordinal", tlsSecretName: "zk-certs" }),
    );
    expect(volumes(resources)).to.deep.include({ name: "tls", secret: { secretName: "zk-certs", defaultMode: 0o440 } });
    expect(ofType(resources, SECRET)).to.have.length(0);
    expect(ofType(resources, CERT_REQUEST)).to.have.length(0);
    expect(outputs.caCertificate, "the CA is the user's own").to.equal(undefined);
  });

  describe("clientAuth digest", () => {
    const users = "app:app-Pa55word-1,ops:ops-Pa55word-2";
    let resources: Registered[];
    let outputs: Record<string, pulumi.Output<any>>;
    before(async () => {
      ({ resources, outputs } = await runProgram("dev", stackConfig("dev", { clientAuth: "digest", clientUsers: users }), ["clientUsers"]));
    });

    it("zoo.cfg makes every session authenticate with SASL, and names the super user", () => {
      const cfg = zooCfg(resources).split("\n");
      expect(cfg).to.include.members([
        "authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
        "enforce.auth.enabled=true",
        "enforce.auth.schemes=sasl",
        `superUser=${ADMIN_USER}`,
      ]);
    });

    it("the users and the generated admin password are only in a secret: the JAAS and admin Secrets' data, never a name or a ConfigMap", () => {
      const secret = jaasSecret(resources);
      expect(isSecretInput(secret.inputs.stringData)).to.equal(true);
      const data = revealed(secret.inputs.stringData);
      const admin = one(resources, PASSWORD);
      const adminPassword = `mock-password-of-${admin.name}`;
      expect(data[CLIENT_AUTH_PATHS.file]).to.equal(
        "Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n" +
          `  user_${ADMIN_USER}="${adminPassword}"\n  user_app="app-Pa55word-1"\n  user_ops="ops-Pa55word-2";\n};\n`,
      );
      expect(Object.keys(data)).to.deep.equal([CLIENT_AUTH_PATHS.file]);
      const adminSecret = adminSecretOf(resources);
      expect(isSecretInput(adminSecret.inputs.stringData)).to.equal(true);
      expect(revealed(adminSecret.inputs.stringData)).to.deep.equal({ [ADMIN_PASSWORD_KEY]: adminPassword });
      expect(adminSecret.inputs.metadata.name).to.equal("zk-admin");
      expect(adminSecret.inputs.immutable).to.equal(true);
      expect(admin.inputs).to.include({ length: 32, special: false });
      const plain = JSON.stringify([
        secret.inputs.metadata,
        adminSecret.inputs.metadata,
        ofType(resources, CM).map((r) => r.inputs),
        ofType(resources, STS).map((r) => r.inputs),
      ]);
      for (const password of ["app-Pa55word-1", "ops-Pa55word-2", adminPassword]) expect(plain).not.to.contain(password);
      expect(secret.inputs.metadata.name).to.match(/^zk-auth-[0-9a-f]{16}$/);
    });

    it("the pods mount the JAAS Secret where the start script looks", () => {
      const secret = jaasSecret(resources);
      expect(volumes(resources)).to.deep.include({ name: "auth", secret: { secretName: secret.inputs.metadata.name, defaultMode: 0o440 } });
      expect(container(resources).volumeMounts).to.deep.include({ name: "auth", mountPath: CLIENT_AUTH_PATHS.mount, readOnly: true });
    });

    it("exports the admin password as a secret", async () => {
      const password = outputs.adminPassword;
      expect(await pulumi.isSecret(password)).to.equal(true);
      expect(await promiseOf(password)).to.match(/^mock-password-of-/);
    });

    it("every Kubernetes object is valid against the upstream schema", () => schemaValid(resources));
  });

  it("clientAuth digest with scheduled backups: the backup job authenticates as the super user, its password from the admin Secret", async () => {
    const { resources } = await runProgram(
      "dev",
      stackConfig("dev", { clientAuth: "digest", clientUsers: "app:app-Pa55word-1", backupSchedule: "0 3 * * *" }),
      ["clientUsers"],
    );
    const env = one(resources, "kubernetes:batch/v1:CronJob").inputs.spec.jobTemplate.spec.template.spec.containers[0].env as any[];
    expect(env).to.deep.include({ name: "ZK_SASL_USERNAME", value: ADMIN_USER });
    expect(env).to.deep.include({
      name: "ZK_SASL_PASSWORD",
      valueFrom: { secretKeyRef: { name: adminSecretOf(resources).inputs.metadata.name, key: ADMIN_PASSWORD_KEY } },
    });
  });
});
