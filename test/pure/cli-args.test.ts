// The one command-line parser of npm run up, down, verify, backup, restore and e2e
// (ops/lib/cli-args.ts, the options in ops/lib/commands.ts): what each takes, and the one set of
// messages for what it does not. The commands as subprocesses: test/pure/command-lines.test.ts.
import { expect } from "chai";
import { CommandSpec, helpText, parseCommandLine, parseServers, usageLine, UsageError } from "../../ops/lib/cli-args";
import { BACKUP, COMMANDS, DOWN, E2E, RESTORE, UP, VERIFY } from "../../ops/lib/commands";
import { parseAuth } from "../../zk/backup/acl";
import { parseArgs } from "../../ops/lib/verify/args";

function refusal(spec: CommandSpec, argv: string[]): string {
  try {
    parseCommandLine(spec, argv);
  } catch (e) {
    expect(e).to.be.instanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error(`${spec.name} took ${JSON.stringify(argv)}`);
}

describe("the commands' command line (ops/lib/cli-args.ts)", () => {
  it("takes --option value, --option=value, a short flag and a repeatable option's every value", () => {
    const line = parseCommandLine(BACKUP, [
      "--servers",
      "127.0.0.1:2181",
      "--out=zk.jsonl",
      "--auth",
      "digest:a:1",
      "--auth=digest:b:2",
      "--containers",
      "/locks/*",
    ]);
    expect(line.help).to.equal(false);
    expect(line.value("servers")).to.equal("127.0.0.1:2181");
    expect(line.value("out")).to.equal("zk.jsonl");
    expect(line.values("auth")).to.deep.equal(["digest:a:1", "digest:b:2"]);
    expect(line.values("containers")).to.deep.equal(["/locks/*"]);
    expect(line.value("timeout")).to.equal(undefined);
    const up = parseCommandLine(UP, ["-y", "--stack", "prod"]);
    expect([up.has("yes"), up.value("stack")]).to.deep.equal([true, "prod"]);
    expect(parseCommandLine(UP, []).has("yes")).to.equal(false);
    // A value given with "=" is taken as it is, even when it starts with "-".
    expect(parseCommandLine(E2E, ["--timings=-t.json"]).value("timings")).to.equal("-t.json");
  });

  it("-h or --help anywhere asks for help, whatever else is wrong on the line", () => {
    for (const spec of COMMANDS) {
      expect(parseCommandLine(spec, ["--help"]).help).to.equal(true);
      expect(parseCommandLine(spec, ["--bogus", "x", "-h"]).help).to.equal(true);
    }
  });

  for (const [spec, argv, message] of [
    [BACKUP, ["--sever", "a:1", "--out", "f"], "unknown option '--sever' (did you mean --servers?)"],
    [UP, ["--force"], "unknown option '--force'"],
    [UP, ["-x"], "unknown option '-x'"],
    [BACKUP, ["--servers"], "--servers needs a value: --servers host:port[,host:port...]"],
    [BACKUP, ["--servers", "--out", "f"], "--servers needs a value: --servers host:port[,host:port...]"],
    [VERIFY, ["--stack="], "--stack needs a value: --stack <name>"],
    [E2E, ["--timings"], "--timings needs a value: --timings <file>"],
    [DOWN, ["--yes=no"], "--yes takes no value"],
    [UP, ["--stack", "a", "--stack", "b"], "--stack is given twice: give it once"],
    [RESTORE, ["--stack", "dev", "--in", "a", "--in=b"], "--in is given twice: give it once"],
    [VERIFY, [], "give --stack <name> or --servers host:port[,host:port...]"],
    [BACKUP, ["--stack", "dev", "--servers", "a:1", "--out", "f"], "give --servers or --stack, not both"],
    [BACKUP, ["--stack", "dev"], "--out <file> is required"],
    [RESTORE, ["--servers", "a:1"], "--in <file> is required"],
    [UP, ["prod"], "unexpected argument 'prod': every option starts with --, and goes after npm's own --"],
  ] as const) {
    it(`${spec.name} ${argv.join(" ")}: ${message}`, () => {
      expect(refusal(spec, [...argv])).to.equal(message);
    });
  }

  it("never repeats a password: not after --auth, not in a misspelled option's inline value", () => {
    const messages = [
      refusal(BACKUP, ["--stack", "dev", "--out", "f", "--auth", "digest:app:", "s3cr3t"]),
      refusal(RESTORE, ["--stack", "dev", "--in", "f", "--aut=digest:app:s3cr3t"]),
    ];
    expect(messages[0]).to.equal(
      "unexpected argument after --auth's value (not shown: it holds a password): every option starts with --, and goes after npm's own --",
    );
    expect(messages[1]).to.equal("unknown option '--aut' (did you mean --auth?)");
    for (const m of messages) expect(m).to.not.contain("s3cr3t");
  });

  it("the usage lines, as README shows them", () => {
    expect(COMMANDS.map(usageLine)).to.deep.equal([
      "npm run up -- [--stack <name>] [--yes] [--replace <urn>]...",
      "npm run down -- [--stack <name>] [--yes]",
      "npm run verify -- (--stack <name> | --servers host:port[,host:port...])",
      "npm run backup -- (--servers host:port[,host:port...] | --stack <name>) --out <file> [--auth digest:user:password]... " +
        "[--containers /path,/parent/*]... [--timeout <seconds>]",
      "npm run restore -- (--servers host:port[,host:port...] | --stack <name>) --in <file> [--on-conflict fail|skip|overwrite] " +
        "[--auth digest:user:password]... [--report <file>] [--timeout <seconds>]",
      "npm run e2e -- [--timings <file>]",
      "npm run check -- [--stack <name>] [--set key=value]... [--set-secret key=value]... [--out <folder>]",
    ]);
  });

  it("each command's --help has its usage line, every option with its help, and its exit codes", () => {
    for (const spec of COMMANDS) {
      const text = helpText(spec);
      const flat = text.replace(/\s+/g, " ");
      expect(text.split("\n")[0]).to.equal(`usage: ${usageLine(spec)}`);
      for (const o of spec.options) {
        expect(text, `${spec.name} --${o.name}`).to.match(new RegExp(`^ +(-${o.short}, )?--${o.name}\\b`, "m"));
        expect(flat, `${spec.name} --${o.name}'s help`).to.contain(o.help);
      }
      expect(text).to.match(/^ +-h, --help +print this help and exit \(exit code 0\)$/m);
      expect(flat).to.contain(`exit codes: ${spec.exitCodes}`);
      expect(
        text.split("\n").filter((l, i) => i > 0 && l.length > 100),
        "wrapped at 100 columns",
      ).to.deep.equal([]);
    }
  });
});

describe("--servers host:port[,host:port...] (verify, backup, restore)", () => {
  it("takes host:port entries, addresses or names", () => {
    expect(parseServers("127.0.0.1:2181, zk-1.example:2182")).to.deep.equal([
      { host: "127.0.0.1", port: 2181 },
      { host: "zk-1.example", port: 2182 },
    ]);
  });

  for (const [list, message] of [
    ["127.0.0.1", "'127.0.0.1' is not host:port"],
    ["127.0.0.1:70000", "'127.0.0.1:70000' is not host:port with a port from 1 to 65535"],
    ["127.0.0.1:2181/app", "'127.0.0.1:2181/app' is not host:port"],
    ["a:1,,b:2", "has an empty entry"],
    ["a:1,a:1", "lists a:1 twice"],
    ["[::1]:2181", "IPv6 addresses are not supported"],
  ] as const) {
    it(`refuses '${list}': ${message}`, () => {
      expect(() => parseServers(list))
        .to.throw(UsageError)
        .with.property("message")
        .that.contains(message);
    });
  }
});

describe("verify's command line", () => {
  it("is --stack <name> or --servers, parsed", () => {
    expect(parseArgs(["--stack=dev"])).to.deep.equal({ kind: "stack", stack: "dev" });
    expect(parseArgs(["--servers", "a:1,b:2"])).to.deep.equal({
      kind: "servers",
      servers: [
        { host: "a", port: 1 },
        { host: "b", port: 2 },
      ],
    });
    expect(parseArgs(["-h"])).to.deep.equal({ kind: "help" });
    expect(() => parseArgs(["--servers", "a"])).to.throw(UsageError, "'a' is not host:port");
  });
});

describe("--auth digest:user:password", () => {
  it("is ZooKeeper's digest scheme with a user and a password (which may hold colons)", () => {
    expect(parseAuth("digest:app:secret")).to.deep.equal({ scheme: "digest", auth: "app:secret" });
    expect(parseAuth("digest:app:a:b")).to.deep.equal({ scheme: "digest", auth: "app:a:b" });
  });

  for (const [text, why] of [
    ["alice:s3cr3t", 'does not start with "digest:"'],
    ["s3cr3t", 'does not start with "digest:"'],
    ["sasl:alice:s3cr3t", 'does not start with "digest:"'],
    ["digest:s3cr3t", 'has no ":" between user and password'],
    ["digest::s3cr3t", "has no user before the password"],
  ] as const) {
    it(`refuses '${text}': ${why}, naming the form and not the value`, () => {
      const message = parseAuth(text);
      expect(message).to.be.a("string");
      expect(message).to.equal(`--auth takes digest:user:password; the value given ${why} (not shown: it holds a password)`);
      expect(message).to.not.contain("s3cr3t").and.not.contain("alice");
    });
  }
});
