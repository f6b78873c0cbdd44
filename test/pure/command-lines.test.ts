// Every command (npm run up, down, verify, backup, restore, e2e) as a user runs it, a subprocess in
// a project folder of its own with nothing but node on PATH: --help prints the usage, the options
// and the exit codes (exit 0); a command line it does not take is exit 2 with what is wrong and the
// usage line, before anything is done; a password given with --auth is never shown; backup and
// restore with an address where nothing listens, or a name that does not resolve, fail at once
// naming the address and the cause. No ZooKeeper server is needed: the addresses are 127.0.0.220's
// (a port just closed) and a name under the reserved .invalid TLD.
import { expect } from "chai";
import { execFile } from "child_process";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { CommandSpec, helpText, UsageError, usageErrorText } from "../../ops/lib/cli-args";
import { COMMANDS } from "../../ops/lib/commands";
import { BackupWriter } from "../../zk/backup/file-writer";
import { FORMAT } from "../../zk/backup/format";
import { placeholderStat } from "../../harness/backup-fixtures";

const ROOT = path.resolve(__dirname, "..", "..");
const SCRIPTS: Record<string, string> = { e2e: path.join(ROOT, "e2e", "run.ts") };
const scriptOf = (name: string) => SCRIPTS[name] ?? path.join(ROOT, "ops", `${name}.ts`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

describe("every command's command line, as a user runs it", function () {
  this.timeout(60000);
  let project: string;

  before(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "kz-command-lines-"));
    // tsx resolves from the project folder, as it does under `npm run`.
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(project, "node_modules"));
  });
  after(() => fs.rmSync(project, { recursive: true, force: true }));

  function run(name: string, args: string[]): Promise<Run> {
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", scriptOf(name), ...args],
        { cwd: project, env: { PATH: path.dirname(process.execPath), HOME: project }, timeout: 30000 },
        (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: unknown }).code) : 0, stdout, stderr, ms: Date.now() - started }),
      );
    });
  }

  function expectUsageError(r: Run, spec: CommandSpec, message: string): void {
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stdout).to.equal("");
    expect(r.stderr).to.equal(usageErrorText(spec, new UsageError(message)));
  }

  for (const spec of COMMANDS) {
    it(`${spec.name} --help prints its usage, options and exit codes (exit 0); an unknown option is exit 2 with the usage line`, async () => {
      const help = await run(spec.name, ["--help"]);
      expect(help.code, help.stderr).to.equal(0);
      expect(help.stdout).to.equal(helpText(spec));
      expect(help.stderr).to.equal("");
      expectUsageError(await run(spec.name, ["--bogus"]), spec, "unknown option '--bogus'");
      // Nothing was done: no state, no report, no timings file.
      expect(fs.readdirSync(project)).to.deep.equal(["node_modules"]);
    });
  }

  const BACKUP = COMMANDS.find((c) => c.name === "backup")!;
  const RESTORE = COMMANDS.find((c) => c.name === "restore")!;
  const VERIFY = COMMANDS.find((c) => c.name === "verify")!;

  it("--servers without a value names the option and the form it takes (backup, restore, verify)", async () => {
    const message = "--servers needs a value: --servers host:port[,host:port...]";
    expectUsageError(await run("backup", ["--servers", "--out", "x.jsonl"]), BACKUP, message);
    expectUsageError(await run("restore", ["--in", "x.jsonl", "--servers"]), RESTORE, message);
    expectUsageError(await run("verify", ["--servers"]), VERIFY, message);
  });

  it("--auth without the digest scheme is exit 2 naming digest:user:password, before any connection, and never shows the password", async () => {
    const message = '--auth takes digest:user:password; the value given does not start with "digest:" (not shown: it holds a password)';
    // 127.0.0.220:1: were the command to connect, it would fail otherwise.
    for (const [spec, args] of [
      [BACKUP, ["--servers", "127.0.0.220:1", "--out", "x.jsonl", "--auth", "alice:s3cr3t"]],
      [RESTORE, ["--servers", "127.0.0.220:1", "--in", "x.jsonl", "--auth=alice:s3cr3t"]],
    ] as const) {
      const r = await run(spec.name, [...args]);
      expectUsageError(r, spec, message);
      expect(r.stderr).to.not.contain("s3cr3t");
    }
  });

  describe("backup and restore where nothing answers: exit 2 at once, one line naming the address and the cause", () => {
    let closedPort: number;
    let file: string;

    before(async () => {
      // A port that was just free: bound, then closed.
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, "127.0.0.220", r));
      closedPort = (probe.address() as net.AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      // A complete backup: a restore gets as far as connecting.
      file = path.join(project, "..", `${path.basename(project)}-one.jsonl`);
      const writer = BackupWriter.open(file, {
        type: "header",
        format: FORMAT,
        version: 1,
        source: "elsewhere",
        startedAt: new Date().toISOString(),
        startZxid: "0x1",
        containerPatterns: [],
      });
      await writer.node({ type: "node", path: "/", data: null, acl: [], kind: "persistent", stat: placeholderStat() });
      await writer.finish({
        type: "trailer",
        finishedAt: new Date().toISOString(),
        endZxid: "0x1",
        consistency: "per-node",
        quiescent: true,
        counts: { nodes: 1, containers: 0, dataBytes: 0, ephemeralSkipped: 0, systemSkipped: 0, vanished: 0 },
      });
    });
    after(() => fs.rmSync(file, { force: true }));

    function expectFastOneLine(r: Run, line: string): void {
      expect(r.code, r.stderr).to.equal(2);
      expect(r.stderr).to.equal(`${line}\n`);
      // The default --timeout is 10 s; a plain connection tells at once (the rest is starting node).
      expect(r.ms, "well within the connect bound").to.be.below(5000);
    }

    it("a port where nothing listens: 'connection refused'", async () => {
      const address = `127.0.0.220:${closedPort}`;
      const advice = "check --servers and that the servers run";
      expectFastOneLine(
        await run("backup", ["--servers", address, "--out", "x.jsonl"]),
        `backup: cannot connect to ${address}: connection refused (nothing listens there); ${advice}`,
      );
      expectFastOneLine(
        await run("restore", ["--servers", address, "--in", file]),
        `restore: cannot connect to ${address}: connection refused (nothing listens there); ${advice}`,
      );
      expect(fs.readdirSync(project), "no backup, no report").to.deep.equal(["node_modules"]);
    });

    it("a name that does not resolve, beside a refused address: each named with its cause", async () => {
      const servers = `zk-0.invalid:2181,127.0.0.220:${closedPort}`;
      const causes = `zk-0.invalid:2181 cannot resolve zk-0.invalid, 127.0.0.220:${closedPort} connection refused (nothing listens there)`;
      expectFastOneLine(
        await run("backup", ["--servers", servers, "--out", "x.jsonl"]),
        `backup: cannot connect to ${servers}: ${causes}; check --servers and that the servers run`,
      );
      expectFastOneLine(
        await run("restore", ["--servers", servers, "--in", file, "--report", "r.jsonl"]),
        `restore: cannot connect to ${servers}: ${causes}; check --servers and that the servers run`,
      );
      expect(fs.readdirSync(project), "no backup, no report").to.deep.equal(["node_modules"]);
    });
  });
});
