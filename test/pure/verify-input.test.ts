// `npm run verify` as a user runs it (a subprocess), given bad input: a malformed --servers list,
// an address where nothing listens, a server that accepts and never answers. Each exits 2: a wrong
// command line with what is wrong and the usage line, the others with a one-line reason; no stack
// trace, each within its bound.
import { expect } from "chai";
import * as net from "net";
import { UsageError, usageErrorText } from "../../ops/lib/cli-args";
import { VERIFY } from "../../ops/lib/commands";
import { verify, VerifyRun } from "../../harness/run-verify";

function expectOneLineReason(run: VerifyRun, reason: string): void {
  expect(run.code, run.stderr).to.equal(2);
  expect(run.stdout).to.equal("");
  expect(run.stderr.trimEnd().split("\n"), "one line").to.have.length(1);
  expect(run.stderr).to.match(/^verify: could not check: /);
  expect(run.stderr).to.contain(reason);
}

function expectUsageError(run: VerifyRun, message: string): void {
  expect(run.code, run.stderr).to.equal(2);
  expect(run.stdout).to.equal("");
  expect(run.stderr).to.equal(usageErrorText(VERIFY, new UsageError(message)));
}

describe("npm run verify: bad input exits 2 with the reason", function () {
  this.timeout(60000);

  it("a malformed --servers list names the bad entry, then the usage line", async () => {
    expectUsageError(
      await verify(["--servers", "127.0.0.150:2181,zk-1"]),
      "--servers: 'zk-1' is not host:port with a port from 1 to 65535 (e.g. --servers 127.0.0.1:2181,127.0.0.2:2181)",
    );
  });

  it("an unknown option is named, with the usage line and where --help is; --help prints the exit codes and exits 0", async () => {
    expectUsageError(await verify(["--sever", "a:1"]), "unknown option '--sever' (did you mean --servers?)");
    expect((await verify(["--sever", "a:1"])).stderr).to.contain("(npm run verify -- --help lists every option and the exit codes)");
    const help = await verify(["--help"]);
    expect(help.code).to.equal(0);
    expect(help.stdout).to.contain("exit codes: 0 healthy; 3 degraded; 1 unhealthy; 2 could not check");
  });

  it("an address where nothing listens (a closed port on 127.0.0.150) is named, with 'connection refused'", async () => {
    // A port that was just free: bound, then closed.
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.150", r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expectOneLineReason(await verify(["--servers", `127.0.0.150:${port}`]), `127.0.0.150:${port}: connection refused`);
  });

  it("a server that accepts and never answers does not hang verify: exit 2 once the four-letter bound (4 s) has passed", async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.150", r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const run = await verify(["--servers", `127.0.0.150:${port}`]);
      expectOneLineReason(run, `127.0.0.150:${port}: accepted the connection but did not answer 'srvr' within 4000 ms`);
      expect(run.ms, "bounded by the four-letter timeout plus start-up").to.be.below(15000);
    } finally {
      for (const s of held) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});
