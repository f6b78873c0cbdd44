// What a contributor's test run leaves when stopped, and what two runs at once do to each other.
// Ctrl-C of a run: the servers it started (a TLS server is in a process group of its own, out of the
// terminal's reach) and their files are gone, and so are its locks (harness/interrupt.ts). Two
// runs on one machine: the second waits for the loopback addresses the first holds, and says so;
// a lock left by a killed run is taken over (harness/machine-lock.ts).
import { expect } from "chai";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { lockMachineResources } from "../../harness/machine-lock";

const ROOT = path.join(__dirname, "..", "..");
/** 127.0.0.230: this file's. */
const ADDRESS_BASE = 230;
const LOCKS = path.join(os.tmpdir(), "kind-zookeeper-test-locks");

const processesMentioning = (text: string) =>
  execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" })
    .split("\n")
    .filter((l) => l.includes(text) && !l.includes("ps -eo"));

describe("a test run stopped by the user, and two runs at once", function () {
  this.timeout(120000);

  it("Ctrl-C of a run that started a TLS server: exit 130, no process of it left, its files and its lock gone", async () => {
    // Its own process group, as a terminal's foreground job: Ctrl-C signals the whole group.
    const run = spawn(
      process.execPath,
      [path.join(ROOT, "node_modules", "mocha", "bin", "mocha.js"), "harness/fixtures/interrupted/ensemble.spec.ts"],
      {
        cwd: ROOT,
        env: { ...process.env, KZ_INTERRUPT_ADDRESS_BASE: String(ADDRESS_BASE) },
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      },
    );
    let out = "";
    run.stdout!.on("data", (d) => (out += d));
    run.stderr!.on("data", (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => run.on("exit", (code) => resolve(code)));
    try {
      const started = Date.now();
      while (!/READY (\S+)/.test(out)) {
        if (Date.now() - started > 90000 || run.exitCode !== null) throw new Error(`the run did not start its server:\n${out}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const root = /READY (\S+)/.exec(out)![1];
      expect(processesMentioning(root), "the server and its watch loop, before").to.not.be.empty;
      process.kill(-run.pid!, "SIGINT");
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise((r) => (timer = setTimeout(() => r("still running"), 45000)))]);
      clearTimeout(timer);
      expect(code, out).to.equal(130);
      expect(out).to.match(/SIGINT: stopping \d+ thing\(s\) this test run started/);
      expect(processesMentioning(root), "the server and its watch loop, after").to.deep.equal([]);
      expect(fs.existsSync(root)).to.equal(false);
      expect(fs.existsSync(path.join(LOCKS, `127.0.0.${ADDRESS_BASE}`))).to.equal(false);
    } finally {
      try {
        process.kill(-run.pid!, "SIGKILL");
      } catch {
        // ended
      }
    }
  });

  it("an address another live run holds is waited for, saying so; one held by a run that died is taken at once", async () => {
    const address = `127.0.0.${ADDRESS_BASE + 1}`;
    // Another run: a process that holds the address for 3 s.
    const other = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "-e",
        `const r = require("./harness/machine-lock").lockMachineResources(["${address}"], "other"); console.log("HELD"); setTimeout(() => { r(); process.exit(0); }, 3000);`,
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
    );
    await new Promise<void>((resolve) => other.stdout!.on("data", (d) => String(d).includes("HELD") && resolve()));
    const said: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    (process.stderr as any).write = (chunk: string) => (said.push(String(chunk)), true);
    const started = Date.now();
    let release: () => void;
    try {
      release = lockMachineResources([address], "this run's servers");
    } finally {
      (process.stderr as any).write = write;
    }
    const waited = Date.now() - started;
    release();
    expect(waited).to.be.greaterThan(1500);
    expect(said.join("")).to.contain(`this run's servers: ${address} is in use by another test run, pid ${other.pid}; waiting for it`);

    fs.writeFileSync(path.join(LOCKS, address), "999999999\n");
    const again = Date.now();
    lockMachineResources([address], "this run's servers")();
    expect(Date.now() - again).to.be.lessThan(500);
  });
});
