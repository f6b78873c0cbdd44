// Scheduled backups: the committed bundle is fresh and small enough for a ConfigMap; run with plain
// `node` (no tsx, no node_modules beside it) and the environment the CronJob gives it, against three
// real ZooKeeper servers (the fetched release, 3.9.5 by default, on 127.0.0.100-102), it writes backups `npm run restore`
// reads and keeps the newest; the CronJob, claim and ConfigMap validate and meet `restricted`.
import { expect } from "chai";
import { execFile, ExecFileException } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { scanBackup } from "../../zk/backup/file-reader";
import { NodeRecord } from "../../zk/backup/format";
import { OPEN_ACL, ZkClient } from "../../zk/zk-client";
import { readJobsBundle } from "../../components/node-job/bundle-file";
import {
  BACKUP_JOB_LIMITS,
  BACKUP_PATHS,
  BackupJobInput,
  backupLabels,
  renderBackupClaim,
  renderBackupConfigMap,
  renderBackupCronJob,
  validateCron,
} from "../../components/backup/cronjob";
import { BACKUP_ENV } from "../../zk/facts/backup-env";
import { backupFileName, isBackupFile } from "../../zk/backup/files";
import { ensembleNames } from "../../components/zookeeper/names";
import { podSelector } from "../../components/zookeeper/labels";
import { validateManifest } from "../../harness/schema";
import { LocalEnsemble, LOCAL_ADMIN_PASSWORD } from "../../harness/zk-ensemble";
import { ADMIN_USER } from "../../components/zookeeper/users";

const MiB = 1024 * 1024;

const input = (over: Partial<BackupJobInput> = {}): BackupJobInput => ({
  namespace: "zookeeper",
  names: ensembleNames(""),
  schedule: "0 3 * * *",
  retain: 2,
  storageSize: "5Gi",
  clientEndpoint: "zk-cs.zookeeper.svc.cluster.local:2181",
  ...over,
});

const cronJob = (over: Partial<BackupJobInput> = {}) => renderBackupCronJob(input(over), "zk-backup-job-0123456789abcdef");
const podSpec = (over: Partial<BackupJobInput> = {}) => cronJob(over).spec.jobTemplate.spec.template.spec;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The job's environment as the CronJob renders it, with the backup volume at `dir` instead of /backups. */
function jobEnv(clientEndpoint: string, dir: string, retain: number): Record<string, string> {
  const env = podSpec({ clientEndpoint, retain }).containers[0].env;
  const values = Object.fromEntries(env.filter((e) => "value" in e).map((e) => [e.name, (e as { value: string }).value]));
  return { ...values, [BACKUP_ENV.dir]: dir };
}

/** The rendered command line: `node <code>/<file> <job>`. */
const command = () => podSpec().containers[0].command;

/** Writes the bundle alone in `<root>/code`, as the ConfigMap mounts it, under the name the command runs. */
function placeBundle(root: string): string {
  const script = path.join(root, "code", path.basename(command()[1]));
  fs.mkdirSync(path.dirname(script));
  fs.writeFileSync(script, readJobsBundle());
  return script;
}

/** Runs the bundled job with plain node, as the container's command does: only its own environment, bounded. */
function runJob(script: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...command().slice(2)],
      { cwd: path.dirname(script), env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, timeout: 30000 },
      (err: ExecFileException | null, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** The backup file names in `dir`, oldest first. */
const backupsIn = (dir: string) => fs.readdirSync(dir).filter(isBackupFile).sort();

describe("scheduled backups", function () {
  this.timeout(120000);

  describe("the bundle", () => {
    it("fits a ConfigMap with room to spare: under half of its 1 MiB", () => {
      const bytes = Buffer.byteLength(readJobsBundle());
      expect(bytes).to.be.below(MiB / 2);
      const data = renderBackupConfigMap(input(), readJobsBundle()).data;
      expect(Object.values(data).reduce((n, v) => n + Buffer.byteLength(v), 0)).to.be.below(MiB);
    });
  });

  describe("run with plain node against three real servers", () => {
    let zk: LocalEnsemble | undefined;
    let root: string;
    let script: string;
    let server: string;

    before(async function () {
      this.timeout(90000);
      // The bundle alone in a directory of its own, as the ConfigMap mounts it: nothing to resolve beside it.
      root = fs.mkdtempSync(path.join(os.tmpdir(), "kz-backup-job-"));
      script = placeBundle(root);
      zk = new LocalEnsemble({ replicas: 3 }, 100);
      zk.start();
      await zk.waitReady(undefined, 60000);
      server = zk.connect([0]);
      const client = await ZkClient.open(zk.connect(), { requestMs: 10000 });
      try {
        await client.createNode("/app", Buffer.from("app root"), OPEN_ACL);
        await client.createNode("/app/config", Buffer.from('{"mode":"fast"}'), OPEN_ACL);
        await client.createNode("/app/locks", null, OPEN_ACL);
      } finally {
        client.close();
      }
    });

    afterEach(function () {
      if (this.currentTest?.state === "failed" && zk) console.error(zk.logTails());
    });

    after(async () => {
      await zk?.destroy();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    const freshDir = (name: string) => {
      const dir = path.join(root, name);
      fs.mkdirSync(dir);
      return dir;
    };

    it("writes one backup that restore's reader accepts, with every persistent znode and no ephemeral one", async () => {
      const dir = freshDir("one");
      const holder = await ZkClient.open(server, { requestMs: 10000 });
      try {
        await holder.createNode("/app/session-lock", Buffer.from("mine"), OPEN_ACL, "ephemeral");
        const run = await runJob(script, jobEnv(server, dir, 2));
        expect(run.code, run.stderr).to.equal(0);
        expect(run.stdout).to.match(
          /^backup-job: wrote zk-\d{8}T\d{6}\.\d{3}Z\.jsonl \(4 znodes, .* removed nothing; keeping the newest 2\n$/,
        );
      } finally {
        holder.close();
      }
      expect(fs.readdirSync(dir), "one file, no .partial left").to.have.length(1);
      const [file] = backupsIn(dir);
      const nodes: NodeRecord[] = [];
      const { header, trailer } = await scanBackup(path.join(dir, file), (n) => void nodes.push(n));
      expect(header.source).to.equal(server);
      expect(trailer.counts.ephemeralSkipped).to.equal(1);
      expect(nodes.map((n) => n.path)).to.deep.equal(["/", "/app", "/app/config", "/app/locks"]);
      const data = (p: string) => nodes.find((n) => n.path === p)!.data;
      expect(Buffer.from(data("/app/config")!, "base64").toString()).to.equal('{"mode":"fast"}');
      expect(data("/app/locks"), "a znode without data stays without").to.equal(null);
    });

    it("with retain 2, keeps exactly the two newest of three runs and leaves other files alone", async () => {
      const dir = freshDir("retain");
      const foreign: Record<string, string> = {
        "notes.txt": "mine",
        "zk-manual.jsonl": "a backup made by hand",
        "zk-20200101T000000.000Z.jsonl.bak": "a renamed copy",
      };
      for (const [name, text] of Object.entries(foreign)) fs.writeFileSync(path.join(dir, name), text);
      const written: string[] = [];
      for (let i = 0; i < 3; i++) {
        const run = await runJob(script, jobEnv(server, dir, 2));
        expect(run.code, run.stderr).to.equal(0);
        written.push(/wrote (\S+) /.exec(run.stdout)![1]);
      }
      expect(new Set(written).size).to.equal(3);
      expect(backupsIn(dir)).to.deep.equal(written.slice(1));
      for (const [name, text] of Object.entries(foreign)) expect(fs.readFileSync(path.join(dir, name), "utf8"), name).to.equal(text);
      expect(fs.readdirSync(dir)).to.have.length(2 + Object.keys(foreign).length);
    });

    it("removes the partial file of a run killed past the deadline, not a recent one", async () => {
      const dir = freshDir("partials");
      const old = `${backupFileName(new Date(Date.now() - 2 * 3600 * 1000))}.partial`;
      const recent = `${backupFileName(new Date(Date.now() - 60 * 1000))}.partial`;
      for (const name of [old, recent]) fs.writeFileSync(path.join(dir, name), "cut short");
      const run = await runJob(script, { ...jobEnv(server, dir, 2), [BACKUP_ENV.deadline]: "3600" });
      expect(run.code, run.stderr).to.equal(0);
      expect(fs.existsSync(path.join(dir, old)), "older than the deadline").to.equal(false);
      expect(fs.existsSync(path.join(dir, recent)), "may belong to a run still going").to.equal(true);
    });

    it("exits 2 and prunes nothing when no server answers", async () => {
      const dir = freshDir("down");
      const earlier = [0, 1, 2].map((h) => backupFileName(new Date(Date.UTC(2026, 0, 1, h))));
      for (const name of earlier) fs.writeFileSync(path.join(dir, name), "an earlier backup");
      // Nothing listens on 127.0.0.110: the connection is refused.
      const env = { ...jobEnv("127.0.0.110:2181", dir, 1), [BACKUP_ENV.timeout]: "2" };
      const run = await runJob(script, env);
      expect(run.code).to.equal(2);
      expect(run.stderr).to.match(/^backup-job: cannot connect to 127\.0\.0\.110:2181/);
      expect(fs.readdirSync(dir).sort()).to.deep.equal(earlier);
    });

    it("refuses a bad environment with exit 2, naming the variable and never echoing a credential", async () => {
      const dir = freshDir("bad");
      const zero = await runJob(script, { ...jobEnv(server, dir, 2), [BACKUP_ENV.retain]: "0" });
      expect(zero.code).to.equal(2);
      expect(zero.stderr).to.contain(`${BACKUP_ENV.retain} must be an integer from 1`);
      const auth = await runJob(script, { ...jobEnv(server, dir, 2), [BACKUP_ENV.auth]: "s3cr3t-without-scheme" });
      expect(auth.code).to.equal(2);
      expect(auth.stderr).to.contain(BACKUP_ENV.auth).and.not.contain("s3cr3t");
      expect(fs.readdirSync(dir)).to.deep.equal([]);
    });
  });

  describe("run against a server that requires SASL (clientAuth digest, its rendered config and JAAS file)", () => {
    let zk: LocalEnsemble | undefined;
    let root: string;
    let script: string;
    before(async function () {
      this.timeout(90000);
      root = fs.mkdtempSync(path.join(os.tmpdir(), "kz-backup-job-sasl-"));
      script = placeBundle(root);
      zk = new LocalEnsemble({ replicas: 1, clientAuth: { users: [{ name: "app", password: "app-Pa55word-1" }] } }, 105);
      zk.start();
      await zk.waitReady(undefined, 60000);
    });
    after(async () => {
      await zk?.destroy();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });
    const saslEnv = (dir: string) => {
      const env = podSpec({ saslUser: { username: ADMIN_USER, passwordSecret: { name: "zk-auth-0", key: "admin-password" } } })
        .containers[0].env;
      expect(env.find((e) => e.name === BACKUP_ENV.saslPassword)).to.deep.equal({
        name: BACKUP_ENV.saslPassword,
        valueFrom: { secretKeyRef: { name: "zk-auth-0", key: "admin-password" } },
      });
      return { ...jobEnv(zk!.connect(), dir, 2), [BACKUP_ENV.saslUsername]: ADMIN_USER, [BACKUP_ENV.saslPassword]: LOCAL_ADMIN_PASSWORD };
    };

    it("as the super user, with the password from the CronJob's Secret reference, it writes a backup", async () => {
      const dir = path.join(root, "ok");
      fs.mkdirSync(dir);
      const run = await runJob(script, saslEnv(dir));
      expect(run.code, run.stderr).to.equal(0);
      expect(backupsIn(dir)).to.have.length(1);
    });

    it("without credentials it fails (exit 1) saying the servers require SASL, and writes nothing", async () => {
      const dir = path.join(root, "none");
      fs.mkdirSync(dir);
      const run = await runJob(script, jobEnv(zk!.connect(), dir, 2));
      expect(run.code).to.equal(1);
      expect(run.stderr).to.match(/SASL/);
      expect(backupsIn(dir)).to.deep.equal([]);
    });

    it("a user without a password is refused with exit 2, before connecting", async () => {
      const dir = path.join(root, "half");
      fs.mkdirSync(dir);
      const run = await runJob(script, { ...jobEnv(zk!.connect(), dir, 2), [BACKUP_ENV.saslUsername]: ADMIN_USER });
      expect(run.code).to.equal(2);
      expect(run.stderr).to.contain(`${BACKUP_ENV.saslUsername} and ${BACKUP_ENV.saslPassword} go together`);
    });
  });

  describe("the CronJob, its claim and its ConfigMap", () => {
    const all = (over: Partial<BackupJobInput> = {}) => {
      const configMap = renderBackupConfigMap(input(over), "// the job\n");
      return [renderBackupCronJob(input(over), configMap.metadata.name), renderBackupClaim(input(over)), configMap];
    };

    it("validate against the Kubernetes schema", () => {
      for (const over of [
        {},
        { storageClassName: "zookeeper-data", authSecret: { name: "zk-auth", key: "digest" }, containerPatterns: ["/locks/*"] },
      ]) {
        for (const manifest of all(over)) expect(() => validateManifest(manifest), manifest.kind).to.not.throw();
      }
    });

    it("meet the restricted Pod Security profile, with only the backup volume and /tmp writable", () => {
      const pod = podSpec();
      expect(pod.securityContext).to.deep.include({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
      expect(pod.securityContext.seccompProfile).to.deep.equal({ type: "RuntimeDefault" });
      expect(pod.automountServiceAccountToken).to.equal(false);
      for (const c of pod.containers) {
        expect(c.securityContext).to.deep.include({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true });
        expect(c.securityContext.capabilities).to.deep.equal({ drop: ["ALL"] });
        const writable = c.volumeMounts.filter((m) => !("readOnly" in m && m.readOnly)).map((m) => m.mountPath);
        expect(writable.sort()).to.deep.equal([BACKUP_PATHS.backups, BACKUP_PATHS.tmp]);
      }
      // restricted allows these volume types only (no hostPath); the pod uses three of them.
      const allowed = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
      for (const v of pod.volumes)
        expect(Object.keys(v).filter((k) => k !== "name")).to.satisfy((ks: string[]) => ks.every((k) => allowed.includes(k)));
    });

    it("run the bundled script on the claim with the environment the job reads, one run at a time, bounded", () => {
      const job = cronJob();
      expect(job.spec).to.include({ schedule: "0 3 * * *", timeZone: "Etc/UTC", concurrencyPolicy: "Forbid" });
      expect(job.spec.startingDeadlineSeconds).to.equal(BACKUP_JOB_LIMITS.startingDeadlineSeconds);
      expect(job.spec).to.include({ successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 3 });
      expect(job.spec.jobTemplate.spec).to.include({ activeDeadlineSeconds: 3600, backoffLimit: 2 });
      const pod = job.spec.jobTemplate.spec.template.spec;
      expect(pod.restartPolicy).to.equal("Never");
      const c = pod.containers[0];
      expect(c.image).to.equal("node:24.19.0-bookworm-slim");
      const code = pod.volumes.find((v) => "configMap" in v)!;
      const codeMount = c.volumeMounts.find((m) => m.name === code.name)!;
      expect(code.configMap!.name).to.equal("zk-backup-job-0123456789abcdef");
      expect(c.command).to.deep.equal(["node", `${codeMount.mountPath}/jobs.js`, "backup"]);
      expect(Object.keys(renderBackupConfigMap(input(), "x").data)).to.deep.equal(["jobs.js"]);
      const claim = pod.volumes.flatMap((v) => ("persistentVolumeClaim" in v ? [v] : []))[0];
      expect(claim.persistentVolumeClaim?.claimName).to.equal(renderBackupClaim(input()).metadata.name);
      const env = Object.fromEntries(c.env.map((e) => [e.name, "value" in e ? e.value : undefined]));
      expect(env).to.deep.equal({
        [BACKUP_ENV.servers]: "zk-cs.zookeeper.svc.cluster.local:2181",
        [BACKUP_ENV.dir]: c.volumeMounts.find((m) => m.name === claim.name)!.mountPath,
        [BACKUP_ENV.retain]: "2",
        [BACKUP_ENV.deadline]: "3600",
      });
    });

    it("hand the credential over from a Secret, never as a literal", () => {
      const env = podSpec({ authSecret: { name: "zk-auth", key: "digest" } }).containers[0].env;
      expect(env.find((e) => e.name === BACKUP_ENV.auth)).to.deep.equal({
        name: BACKUP_ENV.auth,
        valueFrom: { secretKeyRef: { name: "zk-auth", key: "digest" } },
      });
    });

    it("give the backup pods none of the labels the ensemble's Services, budget and PodMonitor select", () => {
      for (const namePrefix of ["", "orders-"]) {
        const names = ensembleNames(namePrefix);
        const labels = cronJob({ names }).spec.jobTemplate.spec.template.metadata.labels;
        expect(labels).to.deep.equal(backupLabels(names));
        for (const [k, v] of Object.entries(podSelector(names))) expect(labels[k], k).to.not.equal(v);
      }
    });

    it("add the labels a NetworkPolicy admits clients by to the backup pods, but never the ensemble's selector", () => {
      const labels = cronJob({ clientLabels: { "zk-client": "true" } }).spec.jobTemplate.spec.template.metadata.labels;
      expect(labels).to.deep.equal({ "zk-client": "true", ...backupLabels(ensembleNames("")) });
      expect(() => cronJob({ clientLabels: { app: "zk" } })).to.throw("backup pods cannot carry app=zk");
    });

    it("give the backups a ReadWriteOnce claim of their own size and class", () => {
      const claim = renderBackupClaim(input({ storageSize: "20Gi", storageClassName: "zookeeper-data" }));
      expect(claim.metadata.name).to.equal("zk-backup");
      expect(claim.spec).to.deep.equal({
        accessModes: ["ReadWriteOnce"],
        storageClassName: "zookeeper-data",
        resources: { requests: { storage: "20Gi" } },
      });
      expect(renderBackupClaim(input()).spec, "the cluster's default class when unset").to.not.have.property("storageClassName");
    });

    it("keep the CronJob's name within Kubernetes' 52 characters for the longest name prefix (40)", () => {
      // kubernetes pkg/apis/batch/validation/validation.go: at most DNS1035LabelMaxLength - 11, room
      // for the controller's -<timestamp> suffix on each Job's name.
      expect(cronJob({ names: ensembleNames("a".repeat(40)) }).metadata.name.length).to.be.at.most(52);
    });

    it("name the ConfigMap by its content, so a new bundle makes a new one", () => {
      const a = renderBackupConfigMap(input(), "one");
      expect(a.metadata.name).to.match(/^zk-backup-job-[0-9a-f]{16}$/);
      expect(a.immutable).to.equal(true);
      expect(renderBackupConfigMap(input(), "two").metadata.name).to.not.equal(a.metadata.name);
    });
  });

  describe("validateCron", () => {
    const accepted = [
      "0 3 * * *",
      "*/15 * * * *",
      "0 0-23/6 * * *",
      "30 2 1,15 * *",
      "0 4 * * MON-FRI",
      "0 4 * * sun",
      "0 0 1 JAN,jul *",
      "5/10 * * * ?",
      "59 23 31 12 6",
      "  0 3 * * *  ",
      "0\t3 * * *",
      ...["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"],
    ];
    const refused: [string, RegExp][] = [
      ["", /empty/],
      ["0 3 * *", /expected 5 fields.*got 4/],
      ["0 0 3 * * *", /expected 5 fields.*got 6/],
      ["60 * * * *", /minute: "60" is outside 0-59/],
      ["0 24 * * *", /hour: "24" is outside 0-23/],
      ["0 0 0 * *", /day of month: "0" is outside 1-31/],
      ["0 0 * 13 *", /month: "13" is outside 1-12/],
      ["0 0 * * 7", /day of week: "7" is outside 0-6/],
      ["0 0 * * MON-SUNDAY", /day of week: "SUNDAY" is neither a number nor a name/],
      ["*/0 * * * *", /minute: the step in "\*\/0" must be a whole number above 0/],
      ["10-5 * * * *", /minute: "10-5" starts after it ends/],
      ["1-2-3 * * * *", /more than one -/],
      ["1/2/3 * * * *", /more than one \//],
      ["1,,2 * * * *", /empty list item/],
      ["+5 * * * *", /minute: "\+5" is not a number/],
      ["CRON_TZ=UTC 0 3 * * *", /TZ=/],
      ["TZ=Europe/Paris 0 3 * * *", /TZ=/],
      ["@every 1h", /@every is not supported/],
      ["@Daily", /unknown macro/],
      ["@daily ", /unknown macro/],
      ["three am", /expected 5 fields/],
    ];

    it("accepts five fields with ranges, steps, lists and names, and the macros", () => {
      for (const expr of accepted) expect(validateCron(expr), JSON.stringify(expr)).to.equal(undefined);
    });

    it("refuses malformed expressions, each with its reason", () => {
      for (const [expr, reason] of refused) expect(validateCron(expr), JSON.stringify(expr)).to.match(reason);
    });
  });
});
