import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { parseStackConfig, StackConfigError } from "../../config";
import { ENSEMBLE_DEFAULTS } from "../../components/zookeeper";
import { stackConfig, stackNames, useHomeWithKubeconfig } from "../../harness/stack-files";
import { attemptProgram } from "../../harness/mocks";
import { toComponents } from "../../config/to-components";

function problemsOf(raw: Record<string, string>, secretKeys: string[] = []): string[] {
  try {
    parseStackConfig(raw, new Set(secretKeys));
  } catch (e) {
    expect(e).to.be.instanceOf(StackConfigError);
    return (e as StackConfigError).message
      .split("\n")
      .slice(1)
      .map((l) => l.replace(/^  - /, ""));
  }
  return [];
}

/** One test per case: the raw settings give exactly one problem, and its line contains the message. */
function itReportsOneProblemEach(cases: [Record<string, string>, string][]) {
  for (const [raw, message] of cases) {
    it(JSON.stringify(raw), () => {
      const problems = problemsOf(raw);
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain(message);
    });
  }
}

describe("stack configuration", () => {
  it("an empty stack gets every default", () => {
    const { config } = parseStackConfig({});
    expect(config).to.include({
      replicas: 3,
      heap: "512m",
      cpu: "500m",
      antiAffinity: "required",
      storageSize: "10Gi",
      namespace: "zookeeper",
      namePrefix: "",
      image: "zookeeper:3.9.6",
      clusterDomain: "cluster.local",
      timing: "fast",
      maxClientCnxns: 60,
      minSessionTimeout: 4000,
      maxSessionTimeout: 40000,
      snapRetainCount: 3,
      purgeInterval: 12,
    });
    expect(config.memory).to.equal(undefined);
    expect(config.pdbMaxUnavailable).to.equal(undefined);
    expect(config.pdbMinAvailable).to.equal(undefined);
  });

  it("parses each kind of value from the strings Pulumi hands over", () => {
    const { config } = parseStackConfig({ replicas: "5", antiAffinity: "preferred", pdbMinAvailable: "3", memory: "2Gi" });
    expect(config).to.include({ replicas: 5, antiAffinity: "preferred", pdbMinAvailable: 3, memory: "2Gi" });
  });

  describe("each bad value is named with its key, the value and the fix", () => {
    const cases: [Record<string, string>, string][] = [
      [{ replicas: "three" }, 'replicas: must be an integer >= 1, got "three" (pulumi config set replicas 3)'],
      [{ replicas: "0" }, 'replicas: must be an integer >= 1, got "0" (pulumi config set replicas 3)'],
      [{ replicas: "2.5" }, 'replicas: must be an integer >= 1, got "2.5"'],
      [
        { heap: "512" },
        'heap: must be a JVM size: a whole number followed by m or g, such as 512m or 2g, got "512" (pulumi config set heap 512m)',
      ],
      [{ heap: "1.5g" }, "heap: must be a JVM size"],
      [{ memory: "lots" }, 'memory: must be a Kubernetes memory quantity such as 1Gi or 768Mi, got "lots" (pulumi config set memory 1Gi)'],
      [{ cpu: "fast" }, 'cpu: must be a Kubernetes CPU quantity such as 500m or 1, got "fast"'],
      [{ cpu: "0" }, "cpu: must be a Kubernetes CPU quantity"],
      [
        { antiAffinity: "hard" },
        'antiAffinity: must be one of required, preferred, none, got "hard" (pulumi config set antiAffinity required)',
      ],
      [{ pdbMaxUnavailable: "-1" }, 'pdbMaxUnavailable: must be an integer >= 0, got "-1" (pulumi config set pdbMaxUnavailable 1)'],
      [{ pdbMinAvailable: "0" }, 'pdbMinAvailable: must be an integer >= 1, got "0" (pulumi config set pdbMinAvailable 2)'],
      [{ storageSize: "big" }, 'storageSize: must be a Kubernetes storage quantity such as 10Gi, got "big"'],
      [{ namespace: "ZooKeeper" }, "namespace: must be a DNS label"],
      [{ namespace: "a".repeat(64) }, "namespace: must be a DNS label"],
      [{ namePrefix: "Orders" }, "namePrefix: must be empty or up to 40 lowercase letters"],
      [{ image: "zookeeper" }, "image: must be an image reference with a tag or digest, such as zookeeper:3.9.6;"],
      [{ image: "zookeeper" }, 'got "zookeeper"'],
      [{ image: "registry:5000/zookeeper" }, "image: must be an image reference with a tag or digest"],
      [{ clusterDomain: "cluster..local" }, "clusterDomain: must be a DNS domain"],
      [{ tickTime: "0" }, 'tickTime: must be an integer >= 1, got "0"'],
      [{ initLimit: "x" }, "initLimit: must be an integer >= 1"],
      [{ syncLimit: "0" }, "syncLimit: must be an integer >= 1"],
      [{ maxClientCnxns: "-5" }, "maxClientCnxns: must be an integer >= 0"],
      [{ minSessionTimeout: "0" }, "minSessionTimeout: must be an integer >= 1"],
      [{ maxSessionTimeout: "soon" }, "maxSessionTimeout: must be an integer >= 1"],
      [{ snapRetainCount: "2" }, 'snapRetainCount: must be an integer >= 3, got "2"'],
      [{ purgeInterval: "-1" }, "purgeInterval: must be an integer >= 0"],
      [{ clusterMode: "cloud" }, 'clusterMode: must be one of kind, existing, render, got "cloud"'],
      [{ clusterName: "My Cluster" }, "clusterName: must be a kind cluster name"],
      [{ workers: "-1" }, "workers: must be an integer from 0 to 20"],
      [{ nodeImage: "kindest/node" }, "nodeImage: must be a kindest/node image reference with a tag or digest"],
      [{ hostPort: "70000" }, "hostPort: must be an integer from 1 to 65535"],
      [{ storageReclaimPolicy: "Keep" }, "storageReclaimPolicy: must be one of Retain, Delete"],
      [{ storageClassName: "Fast_Disk" }, "storageClassName: must be a DNS subdomain"],
      [{ storageProvisioner: "a b" }, "storageProvisioner: must be a provisioner (CSI driver) name"],
      [{ kindCreateTimeoutSeconds: "5" }, "kindCreateTimeoutSeconds: must be an integer >= 30"],
      [{ startupTimeoutSeconds: "10" }, "startupTimeoutSeconds: must be an integer >= 30"],
      [{ clientAccess: "labelled", clientPodLabel: "zk-client" }, "clientPodLabel: must be a label as key=value"],
      [{ backupRetain: "0" }, 'backupRetain: must be an integer from 1 to 10000, got "0" (pulumi config set backupRetain 7)'],
      // The Pulumi CLI refuses these for a typed key first; front ends without the CLI (mocks) rely on ours.
      [{ exposeOnHost: "yes" }, 'exposeOnHost: must be true or false, got "yes"'],
      [{ storageAllowVolumeExpansion: "1" }, "storageAllowVolumeExpansion: must be true or false"],
    ];
    itReportsOneProblemEach(cases);
  });

  describe("rules between settings", () => {
    const cases: [Record<string, string>, string][] = [
      [
        { heap: "1g", memory: "1Gi" },
        'memory: must exceed the heap (1g) with room for the JVM\'s off-heap memory, got "1Gi" (pulumi config set memory 1536Mi',
      ],
      [{ heap: "2g", memory: "1Gi" }, "memory: must exceed the heap (2g)"],
      [
        { replicas: "3", pdbMaxUnavailable: "2" },
        "pdbMaxUnavailable: must be at most 1: 3 servers need 2 up for a quorum, so a drain may take down at most 1, got 2 (pulumi config set pdbMaxUnavailable 1)",
      ],
      [
        { replicas: "5", workers: "4", pdbMinAvailable: "2" },
        "pdbMinAvailable: must be at least 3, the quorum of 5 servers, or a drain can stop the ensemble, got 2 (pulumi config set pdbMinAvailable 3)",
      ],
      [{ replicas: "3", pdbMinAvailable: "4" }, "pdbMinAvailable: must be at most replicas (3), got 4"],
      [{ pdbMaxUnavailable: "1", pdbMinAvailable: "2" }, "pdbMinAvailable: must not be set together with pdbMaxUnavailable (1)"],
      [{ replicas: "2", pdbMaxUnavailable: "1" }, "pdbMaxUnavailable: must be at most 0: 2 servers need 2 up"],
      [{ minSessionTimeout: "50000", maxSessionTimeout: "40000" }, "maxSessionTimeout: must be at least minSessionTimeout (50000)"],
      [{ clientAccess: "labelled" }, "clientPodLabel: must be set when clientAccess is labelled"],
      [{ clientPodLabel: "zk-client=true" }, "clientPodLabel: is only used when clientAccess is labelled, and clientAccess is any"],
      [
        { networkPolicy: "false", clientAccess: "namespace" },
        "clientAccess: only narrows access through the NetworkPolicy, and networkPolicy is false",
      ],
      [{ exposeOnHost: "true", clientAccess: "namespace" }, "clientAccess: must be any with exposeOnHost"],
    ];
    itReportsOneProblemEach(cases);

    it("a stack that sets only pdbMinAvailable is valid", () => {
      expect(parseStackConfig({ pdbMinAvailable: "2" }).config.pdbMinAvailable).to.equal(2);
    });

    it("a rule whose input is invalid is not run (no second, bogus message)", () => {
      expect(problemsOf({ replicas: "0", pdbMaxUnavailable: "1" })).to.have.length(1);
      expect(problemsOf({ heap: "lots", memory: "1Gi" })).to.have.length(1);
      expect(problemsOf({ memory: "lots" })).to.have.length(1);
    });
  });

  describe("values that must not be printed", () => {
    it("a value set with --secret is replaced by [secret] in every message about it", () => {
      const error = problemsOf({ heap: "1g", memory: "1Gi" }, ["memory"]).join("\n");
      expect(error).to.contain("memory: must exceed the heap (1g)");
      expect(error).to.contain("got [secret]");
      expect(error).not.to.contain('1Gi"');
    });

    it("a kubeconfig's content is never printed, even when it was not set with --secret", () => {
      const content = "apiVersion: v1\nkind: Config\nusers:\n- name: u\n  user:\n    token: hunter2\n";
      const error = problemsOf({ kubeconfig: content }).join("\n");
      expect(error).to.contain("kubeconfig: is only used when clusterMode is existing");
      expect(error).not.to.contain("hunter2");
    });

    it("through the program: a secret in the wrong mode is refused without its value", async () => {
      const run = await attemptProgram("dev", stackConfig("dev", { kubeconfig: "~/.kube/secret-path" }), ["kubeconfig"]);
      expect((run.error as Error).message).to.contain(
        "kubeconfig: is only used when clusterMode is existing, and clusterMode is kind, got [secret]",
      );
      expect((run.error as Error).message).not.to.contain("secret-path");
    });
  });

  it("a key that is no setting is refused, with the setting it was probably meant to be", () => {
    expect(problemsOf({ replica: "3" })).to.deep.equal([
      'replica: is not a setting of this project (did you mean replicas?), got "3" (pulumi config rm replica and set replicas instead)',
    ]);
  });

  it("reports every problem at once", () => {
    expect(problemsOf({ replicas: "x", heap: "y", cpu: "z", antiAffinity: "w" })).to.have.length(4);
  });

  describe("Pulumi.yaml", () => {
    const project = yaml.load(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.yaml"), "utf8")) as any;

    it("names the project and a TypeScript runtime", () => {
      expect(project.name).to.equal("kind-zookeeper");
      expect(project.runtime.name).to.equal("nodejs");
    });

    it("every default in Pulumi.yaml is itself a valid value", () => {
      const raw: Record<string, string> = {};
      for (const [key, declared] of Object.entries<any>(project.config)) {
        if (declared.default !== undefined) raw[key] = String(declared.default);
      }
      const { config } = parseStackConfig(raw);
      expect(config.replicas).to.equal(ENSEMBLE_DEFAULTS.replicas);
    });
  });

  describe("the stack files", () => {
    useHomeWithKubeconfig();
    it("every stack file is a valid configuration with Pulumi.yaml's defaults", () => {
      expect(stackNames()).to.include.members(["dev", "prod", "render"]);
      for (const stack of stackNames()) {
        expect(() => parseStackConfig(stackConfig(stack)), stack).not.to.throw();
      }
    });
  });
  describe("TLS and client authentication", () => {
    const secret = ["clientUsers"];
    it("tls on and clientAuth digest with users set with --secret are accepted", () => {
      const { config } = parseStackConfig(
        { tls: "on", rollOrder: "ordinal", clientAuth: "digest", clientUsers: "app:app-Pa55word,ops_1:another-Pa55" },
        new Set(secret),
      );
      expect(config).to.include({ tls: "on", clientAuth: "digest" });
    });

    it("tls with ZooKeeper 3.9.4 or an image naming no version is accepted, the latter with a warning", () => {
      expect(parseStackConfig({ tls: "on", rollOrder: "ordinal", image: "zookeeper:3.9.4" }).warnings).to.deep.equal([]);
      expect(
        parseStackConfig({ tls: "on", rollOrder: "ordinal", image: "zookeeper:3.10.0@sha256:" + "a".repeat(64) }).warnings,
      ).to.deep.equal([]);
      const [warning] = parseStackConfig({ tls: "on", rollOrder: "ordinal", image: "registry.example/zk:latest" }).warnings;
      expect(warning).to.contain("names no ZooKeeper version: quorum TLS between pods needs ZooKeeper 3.9.4 or newer");
    });

    it("users set without --secret are refused, without their value", () => {
      const [problem] = problemsOf({ clientAuth: "digest", clientUsers: "app:app-Pa55word" });
      expect(problem).to.contain("clientUsers: must be set with --secret");
      expect(problem).to.contain("pulumi config set --secret clientUsers");
      expect(problem).not.to.contain("app-Pa55word");
    });

    const userCases: [string, string][] = [
      ["app", "entry 1 of 1 has no ':' between the user and the password"],
      ["app:Pa55-sh0rt", "entry 1 of 1: user app's password is shorter than 12 characters"],
      ["app-1:app-Pa55word", "entry 1 of 1: the user name must be a letter followed by up to 63 letters, digits or '_'"],
      ["zkadmin:app-Pa55word", "entry 1 of 1: zkadmin is the program's own super user"],
      ["app:app-Pa55word,app:app-Pa55word2", "entry 2 of 2: user app is listed twice"],
      ['app:app-Pa55"word', "password must be printable ASCII without"],
      ["app:app-Pa55${word}", "password must be printable ASCII without"],
    ];
    for (const [users, why] of userCases) {
      it(`a bad user list is refused with what is wrong in it, never the password: ${why}`, () => {
        const problems = problemsOf({ clientAuth: "digest", clientUsers: users }, secret);
        expect(problems).to.have.length(1);
        expect(problems[0]).to.contain(`clientUsers: must be user:password[,user:password...]`);
        expect(problems[0]).to.contain(why);
        expect(problems[0]).to.contain("got [secret]");
        for (const password of users.match(/[^:,]*Pa55[^,]*/g) ?? []) expect(problems[0]).not.to.contain(password);
      });
    }

    const ruleCases: [Record<string, string>, string][] = [
      [{ clientAuth: "digest" }, "clientUsers: must be set when clientAuth is digest"],
      [{ clientUsers: "app:app-Pa55word" }, "clientUsers: is only used when clientAuth is digest, and clientAuth is none, got [secret]"],
      [
        { tlsSecretName: "zk-certs" },
        'tlsSecretName: is only used when tls is not off, and tls is off, got "zk-certs" (pulumi config set tls on',
      ],
      [{ tls: "on", rollOrder: "ordinal", backupSchedule: "0 3 * * *" }, "backupSchedule: cannot be used with tls on yet"],
      [{ tls: "yes" }, 'tls: must be one of off, accept, prefer, on, got "yes"'],
      [{ clientAuth: "sasl" }, 'clientAuth: must be one of none, digest, got "sasl"'],
      [
        { tls: "on", rollOrder: "ordinal", image: "zookeeper:3.9.2" },
        'tls: needs ZooKeeper 3.9.4 or newer, and the image runs 3.9.2: older servers check a dialling server\'s certificate against its pod IP, which no certificate names, so the quorum would never form, got "on" (pulumi config set image zookeeper:3.9.6',
      ],
      [{ tls: "accept", image: "registry.example/zk:3.9.3-jre17" }, "tls: needs ZooKeeper 3.9.4 or newer, and the image runs 3.9.3"],
      // The suites run the 3.9 line only (npm run zookeeper); an older tag is refused, not guessed at.
      [
        { image: "zookeeper:3.8.4" },
        "image: must be an image reference with a tag or digest, such as zookeeper:3.9.6; a tag naming a ZooKeeper version must name 3.9.0 or newer",
      ],
      [{ image: "registry.example/zk:3.5.10-jre17" }, 'got "registry.example/zk:3.5.10-jre17"'],
    ];
    for (const [raw, message] of ruleCases) {
      it(JSON.stringify(raw), () => {
        const problems = problemsOf(raw, secret);
        expect(problems).to.have.length(1);
        expect(problems[0]).to.contain(message);
        expect(problems[0]).not.to.contain("app-Pa55word");
      });
    }
  });
});

describe("the adapter from settings to component arguments", () => {
  const adapt = (raw: Record<string, string>) => toComponents(parseStackConfig(raw).config, { project: "kind-zookeeper", name: "dev" });

  it("passes a setting named like an ensemble argument as it is, the tunables under zookeeper", () => {
    const { ensemble } = adapt({ heap: "1g", cpu: "2", timing: "tutorial", tickTime: "1500" });
    expect(ensemble).to.include({ heap: "1g", cpu: "2", timing: "tutorial", namespace: ENSEMBLE_DEFAULTS.namespace });
    expect(ensemble.zookeeper).to.include({ tickTime: 1500, maxClientCnxns: 60 });
  });

  it("gives the arguments a setting feeds in another form that form", () => {
    const { ensemble, backup, hostEndpoint } = adapt({ tls: "prefer", tlsSecretName: "zk-tls", podMonitor: "true", exposeOnHost: "true" });
    expect(ensemble.tls).to.deep.equal({ mode: "secret", secretName: "zk-tls" });
    expect(ensemble.tlsStage).to.equal("prefer");
    expect(ensemble.clientAccess).to.deep.equal({ mode: "any" });
    expect(ensemble.monitoring?.labels).to.equal(undefined);
    expect(ensemble.clientNodePort).to.equal(30181);
    expect(hostEndpoint).to.equal("127.0.0.1:2181");
    expect(backup).to.equal(undefined);
    expect(adapt({}).ensemble.tls).to.equal(undefined);
  });
});
