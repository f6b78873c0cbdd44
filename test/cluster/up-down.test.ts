// The cluster tier, README's own commands: `npm run up`, `npm run verify -- --stack dev`,
// `npm run backup -- --stack dev` and `npm run down` as a user runs them (the scripts in a project
// folder with the dev stack file as it stands), under the real Pulumi CLI, pulumi-kubernetes and a
// Kubernetes 1.36 API server. No container runs, so each server pod's client port is a real
// ZooKeeper server on loopback, rendered from the same settings: the API server's port-forward
// reaches it through kwok's kubelet API (control-plane.ts, PodForward). verify and backup thus
// talk to real servers through the same path they take on a real cluster.
import { expect } from "chai";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ControlPlane, kindNodes } from "../../harness/control-plane";
import { kindKubeconfigTemplate, requireClusterTier, stackFileStrings, tierEnv, TierEnv } from "../../harness/cluster-tier";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { PORTS } from "../../components/zookeeper/ports";
import { serverHostnames } from "../../components/zookeeper/names";
import { resolveEnsemble } from "../../components/zookeeper/options";
import { SETTINGS } from "../../config";

const ROOT = path.join(__dirname, "..", "..");
const ADDRESS_BASE = 200;
const RUN_MS = 8 * 60 * 1000;

interface Run {
  code: number | null;
  out: string;
}

describe("cluster tier: npm run up, verify, backup and down on the dev stack file, with real ZooKeeper servers behind the pods", function () {
  this.timeout(20 * 60 * 1000);
  let tier: TierEnv | undefined;
  let plane: ControlPlane | undefined;
  let zk: LocalEnsemble | undefined;
  let project = "";
  let gitStatus: () => string = () => "";
  const dev = stackFileStrings("dev");
  const cluster = dev.clusterName ?? "kind-zookeeper-dev";
  const replicas = Number(dev.replicas);

  /** ops/<script>.ts in the project folder, no terminal (so up and down pass --yes themselves), bounded. */
  function run(script: string, args: string[] = []): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(project, "ops", `${script}.ts`), ...args], {
        cwd: project,
        env: { ...process.env, ...tier!.env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (out += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), RUN_MS);
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
  }

  before(async function () {
    requireClusterTier(this);
    tier = tierEnv();
    // The servers the pods stand for: the dev stack's settings, rendered for loopback.
    zk = new LocalEnsemble({ replicas }, ADDRESS_BASE);
    zk.start();
    const settings = resolveEnsemble({ replicas });
    plane = await ControlPlane.start(`cp-up-${process.pid}`, {
      forwards: serverHostnames(settings.names, replicas).map((pod, i) => ({
        namespace: settings.namespace,
        pod,
        port: PORTS.client,
        target: { address: zk!.servers[i].address, port: PORTS.client },
      })),
    });
    await plane.addNodes(kindNodes(cluster, Number(dev.workers ?? SETTINGS.workers.default)));
    await plane.addVolumes(replicas, dev.storageClassName ?? SETTINGS.storageClassName.default);
    fs.writeFileSync(path.join(tier.kindState, "kubeconfig.template"), kindKubeconfigTemplate(await plane.kubeconfig()));
    // The project as a user has it: Pulumi.yaml and the stack files as committed, the scripts, the packages.
    project = path.join(tier.dir, "project");
    fs.mkdirSync(project);
    for (const file of fs
      .readdirSync(ROOT)
      .filter((f) => /^Pulumi(\.[\w-]+)?\.yaml$/.test(f) || ["package.json", ".gitignore"].includes(f))) {
      fs.copyFileSync(path.join(ROOT, file), path.join(project, file));
    }
    for (const link of ["node_modules", "ops", "components", "config", "index.ts", "tsconfig.json"]) {
      fs.symlinkSync(path.join(ROOT, link), path.join(project, link));
    }
    // A clone's state: every file committed, so `git status` shows what the commands change.
    const git = (...args: string[]) => execFileSync("git", args, { cwd: project, encoding: "utf8" });
    git("init", "-q");
    git("add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "clone");
    gitStatus = () => git("status", "--porcelain", "--ignored=no");
    await zk.allServing();
  });

  let downRan = false;
  after(async () => {
    // Only where the suite stopped before its own down test ran it (the control plane stops below either way).
    if (!downRan && project && fs.existsSync(path.join(project, ".pulumi-state"))) await run("down").catch(() => undefined);
    await plane?.stop();
    await zk?.destroy();
    tier?.restore();
  });

  it("npm run up deploys the dev stack as committed, and its verify finds the ensemble healthy through the pods' port-forwards", async () => {
    const up = await run("up");
    expect(up.out).to.contain("Deploying stack dev (clusterMode kind).");
    expect(up.code, up.out.slice(-3000)).to.equal(0);
    expect(up.out).to.contain("Stack dev is up and healthy.");
    // What verify saw through the API server's port-forwards: each server's own answer, one leader, a write read back.
    for (let i = 0; i < replicas; i++) expect(up.out).to.match(new RegExp(`^ruok +zk-${i} +ok +imok$`, "m"));
    expect(up.out).to.match(/^leader +- +ok +zk-\d leads; following: zk-\d, zk-\d$/m);
    expect(up.out).to.match(/^verdict: healthy \(exit 0\): 3 of 3 servers serve/m);
    // The stack file as committed: the secrets salt pulumi writes went to the tool's own folder.
    expect(gitStatus()).to.equal("");
  });

  it("npm run verify -- --stack dev on its own: exit 0", async () => {
    const verify = await run("verify", ["--stack", "dev"]);
    expect(verify.code, verify.out).to.equal(0);
  });

  it("npm run backup -- --stack dev writes a backup of the servers behind the pods", async () => {
    const file = path.join(tier!.dir, "dev.backup");
    const backup = await run("backup", ["--stack", "dev", "--out", file]);
    expect(backup.code, backup.out).to.equal(0);
    expect(backup.out).to.contain("from stack dev (zk-0, zk-1, zk-2 in namespace zookeeper, by port-forward)");
    expect(fs.statSync(file).size).to.be.greaterThan(0);
  });

  it("npm run down destroys the stack and its kind cluster, and exits 0", async () => {
    const down = await run("down");
    downRan = true;
    expect(down.code, down.out.slice(-3000)).to.equal(0);
    expect(down.out).to.contain("Stack dev is destroyed, and its kind cluster with it.");
    expect(fs.readdirSync(path.join(tier!.kindState, "clusters"))).to.deep.equal([]);
    expect(gitStatus(), "after up, verify, backup and down").to.equal("");
  });
});
