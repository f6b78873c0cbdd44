import { expect } from "chai";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as net from "net";
import { execFile } from "child_process";
import { promisify } from "util";
import { renderStartScript, renderProbeScript } from "../../components/zookeeper/scripts";
import { PROBE_ANSWER_TIMEOUT_SECONDS, scriptEnvironment } from "../../components/zookeeper/script-env";
import { renderZooCfg } from "../../components/zookeeper/zoocfg";
import { resolveEnsemble } from "../../components/zookeeper/options";

const run = promisify(execFile);

/** What the StatefulSet gives every script of a default ensemble. */
const podEnv = () => scriptEnvironment(resolveEnsemble({}));

async function exitOf(file: string, args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run("bash", [file, ...args], { env: { ...process.env, ...env }, timeout: 15000 });
    return { code: 0, stdout, stderr };
  } catch (e: any) {
    return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
  }
}

describe("the rendered scripts", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "kz-scripts-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("start-zookeeper.sh", () => {
    // A stand-in launcher records how it was called; the real one runs in the integration suite.
    function setUp(): Record<string, string> {
      fs.mkdirSync(path.join(dir, "conf"));
      fs.mkdirSync(path.join(dir, "bin"));
      fs.writeFileSync(path.join(dir, "conf", "start-zookeeper.sh"), renderStartScript());
      fs.writeFileSync(
        path.join(dir, "conf", "zoo.cfg"),
        renderZooCfg({
          serverFqdns: ["a", "b", "c"],
          tunables: resolveEnsemble({}).zookeeper,
          dataDir: path.join(dir, "data"),
          dataLogDir: path.join(dir, "data", "log"),
        }),
      );
      fs.writeFileSync(
        path.join(dir, "bin", "zkServer.sh"),
        `#!/usr/bin/env bash\necho "pid=$$ args=$* flags=$SERVER_JVMFLAGS" > "${dir}/launched"\n`,
        { mode: 0o755 },
      );
      return { ...podEnv(), PATH: `${path.join(dir, "bin")}:${process.env.PATH}`, ZK_HEAP: "256m" };
    }

    it("derives myid from the pod ordinal and execs the launcher in the foreground with the heap", async () => {
      const env = setUp();
      for (const [host, id] of [
        ["zk-0", "1"],
        ["zk-2", "3"],
        ["orders-zk-10", "11"],
        ["zk-08", "9"],
      ]) {
        const r = await exitOf(path.join(dir, "conf", "start-zookeeper.sh"), [], { ...env, HOSTNAME: host });
        expect(r.code, r.stderr).to.equal(0);
        expect(fs.readFileSync(path.join(dir, "data", "myid"), "utf8")).to.equal(`${id}\n`);
        expect(fs.statSync(path.join(dir, "data", "log")).isDirectory()).to.equal(true);
        const launched = fs.readFileSync(path.join(dir, "launched"), "utf8");
        expect(launched).to.contain(`args=start-foreground ${path.join(dir, "conf", "zoo.cfg")}`);
        expect(launched).to.contain("flags=-Xms256m -Xmx256m -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:-HeapDumpOnOutOfMemoryError");
      }
    });

    /** A getent that answers `hosts <name>` with the given addresses, one list per call (the last repeats; [] is "not found"). */
    function fakeGetent(answers: string[][]): void {
      fs.writeFileSync(path.join(dir, "answers"), answers.map((a) => (a.length ? a.join(" ") : "-")).join("\n") + "\n");
      fs.writeFileSync(
        path.join(dir, "bin", "getent"),
        `#!/usr/bin/env bash
n=$(( $(cat "${dir}/calls" 2>/dev/null || echo 0) + 1 )); echo "$n" > "${dir}/calls"
line="$(sed -n "\${n}p" "${dir}/answers")"; [ -n "$line" ] || line="$(tail -n 1 "${dir}/answers")"
[ "$line" != - ] || exit 2
for ip in $line; do printf '%s\\t%s\\n' "$ip" "$2"; done
`,
        { mode: 0o755 },
      );
    }

    it("waits until its own server name resolves to the pod's address before it starts the server", async () => {
      const env = setUp();
      fakeGetent([[], ["10.0.0.9"], ["10.0.0.5"]]);
      const r = await exitOf(path.join(dir, "conf", "start-zookeeper.sh"), [], { ...env, HOSTNAME: "zk-0", POD_IP: "10.0.0.5" });
      expect(r.code, r.stderr).to.equal(0);
      expect(fs.readFileSync(path.join(dir, "calls"), "utf8").trim()).to.equal("3");
      expect(fs.existsSync(path.join(dir, "launched"))).to.equal(true);
    });

    it("stops with the likely cause when its own name keeps resolving elsewhere", async () => {
      const env = setUp();
      fakeGetent([["10.0.0.9"]]);
      const r = await exitOf(path.join(dir, "conf", "start-zookeeper.sh"), [], {
        ...env,
        HOSTNAME: "zk-0",
        POD_IP: "10.0.0.5",
        ZK_RESOLVE_WAIT_SECONDS: "1",
      });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain("zoo.cfg names this server a, which resolves to '10.0.0.9', not to this pod's address 10.0.0.5");
      expect(r.stderr).to.contain("Is clusterDomain the cluster's DNS domain?");
      expect(fs.existsSync(path.join(dir, "launched")), "the server was not started").to.equal(false);
    });

    it("replaces itself with the server (exec), so the server's exit is the container's", async () => {
      const env = setUp();
      const child = require("child_process").spawn("bash", [path.join(dir, "conf", "start-zookeeper.sh")], {
        env: { ...process.env, ...env, HOSTNAME: "zk-0" },
      });
      const code = await new Promise((r) => child.on("exit", r));
      expect(code).to.equal(0);
      expect(fs.readFileSync(path.join(dir, "launched"), "utf8")).to.contain(`pid=${child.pid} `);
    });

    it("refuses a hostname without an ordinal", async () => {
      const env = setUp();
      const r = await exitOf(path.join(dir, "conf", "start-zookeeper.sh"), [], { ...env, HOSTNAME: "laptop" });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain("hostname 'laptop' does not end in -<ordinal>");
    });

    it("refuses to start without a heap", async () => {
      const env = setUp();
      const r = await exitOf(path.join(dir, "conf", "start-zookeeper.sh"), [], { ...env, ZK_HEAP: "", HOSTNAME: "zk-0" });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain("ZK_HEAP");
    });

    it("says so when the data volume is not writable", async function () {
      if (process.getuid?.() === 0) {
        // root writes anywhere; run the check as an unprivileged user through setpriv.
        const env = setUp();
        fs.mkdirSync(path.join(dir, "data"), { mode: 0o755 });
        fs.chmodSync(dir, 0o755);
        const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
          execFile(
            "setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", path.join(dir, "conf", "start-zookeeper.sh")],
            { env: { ...process.env, ...env, HOSTNAME: "zk-0" }, timeout: 15000 },
            (err: any, _out, stderr) => resolve({ code: err ? err.code : 0, stderr }),
          );
        });
        expect(r.code).to.equal(1);
        expect(r.stderr).to.contain("is not writable by uid 65534");
        return;
      }
      const env = setUp();
      fs.mkdirSync(path.join(dir, "data"), { mode: 0o555 });
      const r = await exitOf(path.join(dir, "conf", "start-zookeeper.sh"), [], { ...env, HOSTNAME: "zk-0" });
      expect(r.code).to.equal(1);
      expect(r.stderr).to.contain("is not writable");
    });
  });

  describe("zk-probe.sh", () => {
    // A stand-in server on loopback that answers four-letter words as ZooKeeper does, or not at all.
    let server: net.Server;
    let answers: Record<string, string | null>;
    let port: number;
    const sockets = new Set<net.Socket>();
    before(async () => {
      server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.once("data", (word) => {
          const answer = answers[word.toString()];
          if (answer === null) return; // hang: never answer, never close
          socket.end(answer ?? `${word} is not executed because it is not in the whitelist.\n`);
        });
        socket.on("error", () => undefined);
      });
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      port = (server.address() as net.AddressInfo).port;
    });
    after(
      () =>
        new Promise<void>((r) => {
          for (const socket of sockets) socket.destroy();
          server.close(() => r());
        }),
    );

    const probe = async (mode: string) => {
      fs.writeFileSync(path.join(dir, "zk-probe.sh"), renderProbeScript());
      return exitOf(path.join(dir, "zk-probe.sh"), [mode], { ...podEnv(), ZK_PROBE_HOST: "127.0.0.1", ZK_PROBE_PORT: String(port) });
    };

    it("live passes on imok and fails on anything else", async () => {
      answers = { ruok: "imok" };
      expect((await probe("live")).code).to.equal(0);
      answers = {};
      const r = await probe("live");
      expect(r.code).to.equal(1);
      expect(r.stdout).to.contain("not live: ruok");
    });

    it("ready passes for leader, follower and standalone, fails while not serving", async () => {
      for (const mode of ["leader", "follower", "standalone"]) {
        answers = { srvr: `Zookeeper version: 3.9.6\nLatency min/avg/max: 0/0.0/0\nMode: ${mode}\nNode count: 5\n` };
        expect((await probe("ready")).code, mode).to.equal(0);
      }
      answers = { srvr: "This ZooKeeper instance is not currently serving requests\n" };
      const r = await probe("ready");
      expect(r.code).to.equal(1);
      expect(r.stdout).to.contain("not currently serving requests");
    });

    it("gives up within its bound when the server accepts but never answers", async () => {
      answers = { ruok: null, srvr: null };
      const started = Date.now();
      expect((await probe("live")).code).to.equal(1);
      expect((await probe("ready")).code).to.equal(1);
      expect(Date.now() - started).to.be.lessThan(2 * (PROBE_ANSWER_TIMEOUT_SECONDS + 2) * 1000);
    });

    it("fails fast when nothing listens", async () => {
      fs.writeFileSync(path.join(dir, "zk-probe.sh"), renderProbeScript());
      const r = await exitOf(path.join(dir, "zk-probe.sh"), ["live"], { ...podEnv(), ZK_PROBE_HOST: "127.0.0.1", ZK_PROBE_PORT: "1" });
      expect(r.code).to.equal(1);
    });
  });
});
