// `npm run backup -- --stack` and `npm run restore -- --stack` as a user runs them (subprocesses):
// the stack's outputs through the stand-in `pulumi` (harness/pulumi-stand-in.ts), its
// kubeconfig pointing at the stand-in of the kubelet's port-forward (harness/port-forward.ts),
// behind which run real ZooKeeper servers (the fetched release, 3.9.5 by default, the rendered config, 127.0.0.123-125)
// that offer SASL DIGEST-MD5 with the program's admin user (not enforced, so sessions without it
// work too). Then verify's --stack path with the same stack's credentials. That the pods are
// reached through a real API server's port-forward is the e2e suite's to prove, as for verify.
import { expect } from "chai";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { ChildProcess } from "child_process";
import { LocalEnsemble } from "../../harness/zk-ensemble";
import { PortForwardStandIn, healthyCluster, portForwardKubeconfig, startPortForwardStandIn } from "../../harness/port-forward";
import { expectOneLineReason, ROOT, runNode, writeStack } from "../../harness/pulumi-stand-in";
import { AclEntry, OPEN_ACL, ZkClient } from "../../zk/zk-client";
import { ADMIN_USER, stackSasl } from "../../ops/lib/stack";
import { BOUNDS } from "../../zk/verify/bounds";
import { stackTarget } from "../../ops/lib/verify/stack-target";
import { verifyTarget } from "../../ops/lib/verify/stack-mode";
import { loadKubeconfig } from "../../ops/lib/verify/kube-reader";
import { openTunnel } from "../../ops/lib/verify/tunnel";
import { formatReport } from "../../ops/lib/verify/table";

// 120 is backup.test.ts's; 128 is a hung server, 129 a closed API server.
const ADDRESS_BASE = 123;
const ADMIN_PASSWORD = "adm1n-Pa55";
/** Only the admin user may do anything with it: a backup without SASL cannot read it. */
const ADMIN_ONLY: AclEntry[] = [{ perms: 31, scheme: "sasl", id: ADMIN_USER }];

const command = (name: "backup" | "restore", args: string[], env: Record<string, string>, onSpawn?: (child: ChildProcess) => void) =>
  runNode([path.join(ROOT, "ops", `${name}.ts`), ...args], env, { timeoutMs: 120000, onSpawn });

interface Seen {
  data: string | null;
  acl: AclEntry[];
}

/** The tree under `root`: data (base64) and ACL of each znode. */
async function readTree(zk: ZkClient, root: string): Promise<Map<string, Seen>> {
  const tree = new Map<string, Seen>();
  const visit = async (p: string): Promise<void> => {
    const [{ data }, { acl }, { children }] = await Promise.all([zk.read(p), zk.getAcl(p), zk.children(p)]);
    tree.set(p, { data: data === null ? null : data.toString("base64"), acl });
    await Promise.all(children.map((c) => visit(`${p}/${c}`)));
  };
  await visit(root);
  return new Map([...tree.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

async function removeTree(zk: ZkClient, root: string): Promise<void> {
  const { children } = await zk.children(root);
  for (const c of children) await removeTree(zk, `${root}/${c}`);
  await zk.remove(root);
}

describe("npm run backup and restore -- --stack, through the stack's outputs and a port-forward to each pod", function () {
  this.timeout(180000);
  let zk: LocalEnsemble;
  let api: PortForwardStandIn;
  let ambient: PortForwardStandIn;
  let home: string;
  let backendDir: string;
  let env: Record<string, string>;
  let admin: ZkClient;
  let seeded: Map<string, Seen>;

  const outputs = (extra: Record<string, unknown> = {}) => ({
    namespace: "zookeeper",
    serverFqdns: zk.servers.map((s) => s.fqdn),
    storageClassName: "zookeeper-data",
    kubeconfig: portForwardKubeconfig(api.url),
    ...extra,
  });

  before(async () => {
    zk = new LocalEnsemble({ replicas: 3 }, ADDRESS_BASE);
    const jaas = path.join(zk.root, "jaas.conf");
    fs.writeFileSync(
      jaas,
      `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  user_${ADMIN_USER}="${ADMIN_PASSWORD}";\n};\n`,
    );
    zk.addJvmFlags(
      `-Djava.security.auth.login.config=${jaas}`,
      "-Dzookeeper.authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
    );
    zk.start();
    // Pod zk-N is the server on 127.0.0.<base+N>; the ambient kubeconfig's API must never be asked.
    [api, ambient] = await Promise.all([
      startPortForwardStandIn((pod) => zk.servers[Number(pod.split("-").pop())].address),
      startPortForwardStandIn(() => "127.0.0.1"),
    ]);
    await zk.allServing();
    admin = await ZkClient.open(zk.connect(), {
      connectMs: 10000,
      requestMs: 10000,
      sasl: { username: ADMIN_USER, password: ADMIN_PASSWORD },
    });
    await admin.createNode("/app", Buffer.from("the application"), OPEN_ACL);
    await admin.createNode("/app/config", Buffer.from([0, 1, 2, 255, 254]), OPEN_ACL);
    await admin.createNode("/app/empty", null, OPEN_ACL);
    for (let i = 0; i < 20; i++) await admin.createNode(`/app/items-${String(i).padStart(2, "0")}`, Buffer.from(`item ${i}`), OPEN_ACL);
    await admin.createNode("/app/locked", Buffer.from("for the admin's eyes"), ADMIN_ONLY);
    await admin.createNode("/app/locked/inside", Buffer.from("also"), ADMIN_ONLY);
    seeded = await readTree(admin, "/app");
  });
  after(async () => {
    admin?.close();
    await Promise.all([api?.close(), ambient?.close()]);
    await zk?.destroy();
  });
  beforeEach(() => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), "kz-backup-stack-"));
    backendDir = path.join(home, "state");
    fs.writeFileSync(path.join(home, "kubeconfig"), portForwardKubeconfig(ambient.url));
    env = { HOME: home, PULUMI_BACKEND_URL: `file://${backendDir}`, KUBECONFIG: path.join(home, "kubeconfig") };
  });
  afterEach(function () {
    if (this.currentTest?.state === "failed") console.error(zk.logTails());
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("backup --stack writes the tree, reading the servers through a port-forward to each pod, as the admin user (the stack has adminPassword)", async () => {
    writeStack(backendDir, "dev", outputs({ adminPassword: ADMIN_PASSWORD }), "s3cret");
    api.forwarded.length = 0;
    const out = path.join(home, "dev.jsonl");
    const run = await command("backup", ["--stack", "dev", "--out", out], { ...env, PULUMI_CONFIG_PASSPHRASE: "s3cret" });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain(
      `backed up ${seeded.size + 1} znodes (0 containers, `, // and the root
    );
    expect(run.stdout).to.contain("from stack dev (zk-0, zk-1, zk-2 in namespace zookeeper, by port-forward)");
    const records = fs
      .readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records[0]).to.include({ type: "header", source: "stack dev (zk-0, zk-1, zk-2 in namespace zookeeper, by port-forward)" });
    const nodes = new Map(records.filter((r) => r.type === "node").map((r) => [r.path, r]));
    for (const [p, seen] of seeded) {
      expect(nodes.get(p), p).to.deep.include({ data: seen.data, acl: seen.acl });
    }
    // Only the stack's API server was asked, on the pods' client port; the ambient kubeconfig's never.
    expect(api.forwarded.length).to.be.greaterThan(0);
    for (const f of api.forwarded) expect(f).to.match(/^zookeeper\/zk-[012]:2181$/);
    expect(ambient.forwarded).to.deep.equal([]);
  });

  it("without an adminPassword output the sessions do not authenticate: the znode only the admin user may read stops the backup", async () => {
    writeStack(backendDir, "open", outputs());
    const run = await command("backup", ["--stack", "open", "--out", path.join(home, "open.jsonl")], env);
    expect(run.code, run.stderr).to.equal(1);
    expect(run.stderr).to.match(/^backup failed: \S+ \/app\/locked: not allowed by the znode's ACL/);
  });

  it("restore --stack restores the backup into the stack's servers, byte for byte, ACLs included", async () => {
    writeStack(backendDir, "dev", outputs({ adminPassword: ADMIN_PASSWORD }));
    const file = path.join(home, "dev.jsonl");
    const backup = await command("backup", ["--stack", "dev", "--out", file], env);
    expect(backup.code, backup.stderr).to.equal(0);
    await removeTree(admin, "/app");
    expect(await admin.stat("/app")).to.equal(null);

    const report = path.join(home, "report.jsonl");
    const run = await command("restore", ["--stack", "dev", "--in", file, "--report", report], env);
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout).to.contain(`into stack dev (zk-0, zk-1, zk-2 in namespace zookeeper, by port-forward)`);
    expect(run.stdout).to.contain(`created ${seeded.size} (0 containers), skipped 0, overwritten 0; root `);
    await admin.sync("/");
    const restored = await readTree(admin, "/app");
    expect([...restored.entries()]).to.deep.equal([...seeded.entries()]);

    // Into a tree that holds it already: refused (fail is the default), nothing changed, exit 1.
    const again = await command("restore", ["--stack", "dev", "--in", file, "--report", path.join(home, "again.jsonl")], env);
    expect(again.code, again.stderr).to.equal(1);
    expect(again.stderr).to.contain("already exist in the target");
  });

  it("a stack without the outputs the commands need: exit 2 with a one-line reason, before anything is written", async () => {
    writeStack(backendDir, "never", {});
    const { serverFqdns: _f, ...old } = outputs();
    writeStack(backendDir, "old", old);
    const { kubeconfig: _k, ...render } = outputs();
    writeStack(backendDir, "render", render);
    const out = path.join(home, "x.jsonl");
    expectOneLineReason(
      await command("backup", ["--stack", "never", "--out", out], env),
      "backup: stack 'never' has no outputs: it has not been deployed (pulumi up --stack never)",
    );
    expectOneLineReason(
      await command("restore", ["--stack", "old", "--in", out, "--report", path.join(home, "r.jsonl")], env),
      "restore: stack 'old' lacks the output(s) restore needs: serverFqdns (pulumi up --stack old with this version of the program)",
    );
    expectOneLineReason(
      await command("backup", ["--stack", "render", "--out", out], env),
      "backup: stack 'render' has no kubeconfig output: it renders manifests",
    );
    expectOneLineReason(
      await command("backup", ["--stack", "prod", "--out", out], env),
      `backup: no stack named 'prod' in PULUMI_BACKEND_URL (file://${backendDir}): list the stacks with pulumi stack ls`,
    );
    const both = await command("backup", ["--stack", "dev", "--servers", zk.connect(), "--out", out], env);
    expect(both.code, both.stderr).to.equal(2);
    expect(both.stderr).to.match(/^backup: give --servers or --stack, not both\nusage: npm run backup -- /);
    expect(fs.existsSync(out)).to.equal(false);
  });

  it("a cluster that forwards nothing: exit 2 within --timeout, naming the port-forward's failure and the kubectl command", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.129", r));
    const closed = `http://127.0.0.129:${(probe.address() as net.AddressInfo).port}`;
    await new Promise<void>((r) => probe.close(() => r()));
    writeStack(backendDir, "down", outputs({ kubeconfig: portForwardKubeconfig(closed), kubeContext: "kind-down" }));
    const run = await command("backup", ["--stack", "down", "--out", path.join(home, "down.jsonl"), "--timeout", "3"], env);
    expectOneLineReason(run, "backup: cannot connect to stack down (zk-0, zk-1, zk-2 in namespace zookeeper, by port-forward)");
    expect(run.stderr).to.contain("port-forward to zk-");
    expect(run.stderr).to.contain("kubectl --context kind-down get pods -l app=zk -n zookeeper");
  });

  it("Ctrl-C while a server does not answer: the tunnels are closed and the command ends with 130", async () => {
    // Pods whose client port accepts connections and never answers (a hung server).
    const held = new Set<net.Socket>();
    const hung = net.createServer((socket) => {
      held.add(socket);
      socket.on("close", () => held.delete(socket));
    });
    await new Promise<void>((r) => hung.listen(2181, "127.0.0.128", r));
    const stall = await startPortForwardStandIn(() => "127.0.0.128");
    try {
      writeStack(backendDir, "hung", outputs({ kubeconfig: portForwardKubeconfig(stall.url) }));
      const run = await command("backup", ["--stack", "hung", "--out", path.join(home, "hung.jsonl"), "--timeout", "60"], env, (child) => {
        const poll = setInterval(() => {
          if (stall.open() > 0) {
            clearInterval(poll);
            child.kill("SIGINT");
          }
        }, 50);
        child.on("exit", () => clearInterval(poll));
      });
      expect(run.code, run.stderr).to.equal(130);
      expect(stall.forwarded.length).to.be.greaterThan(0);
      const deadline = Date.now() + 5000;
      while (stall.open() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(stall.open(), "forwards still open").to.equal(0);
    } finally {
      await stall.close();
      for (const socket of held) socket.destroy();
      await new Promise<void>((r) => hung.close(() => r()));
    }
  });

  describe("the stack's admin credentials (adminPassword output)", () => {
    it("become every session's SASL option: the program's admin user (zkadmin) with that password; none without the output", () => {
      expect(ADMIN_USER).to.equal("zkadmin");
      expect(stackSasl({ adminPassword: "pw" })).to.deep.equal({ username: ADMIN_USER, password: "pw" });
      expect(stackSasl({})).to.equal(undefined);
      expect(stackTarget("dev", outputs({ adminPassword: "pw" })).sasl).to.deep.equal({ username: ADMIN_USER, password: "pw" });
      expect(stackTarget("dev", outputs()).sasl).to.equal(undefined);
      expect(() => stackTarget("dev", outputs({ adminPassword: 42 }))).to.throw("stack 'dev' output adminPassword is not a string");
    });

    it("verify --stack's sanity test authenticates as the admin user with them: healthy with the password, and the write fails with a wrong one", async () => {
      const check = async (password: string) => {
        const t = stackTarget("dev", outputs({ adminPassword: password }));
        const kc = await loadKubeconfig(t);
        return verifyTarget(
          t,
          healthyCluster(3, (name) => openTunnel(kc, t.namespace, name, 2181)),
          BOUNDS,
        );
      };
      const healthy = await check(ADMIN_PASSWORD);
      expect(healthy.verdict.exitCode, formatReport(healthy)).to.equal(0);
      const refused = await check("not-the-password");
      const write = refused.rows.find((r) => r.check === "write");
      expect(write?.result, formatReport(refused)).to.equal("FAIL");
      expect(write?.detail).to.contain("AUTH_FAILED");
    });
  });
});
