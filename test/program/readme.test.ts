import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { parseCommandLine, parseServers, usageLine } from "../../ops/lib/cli-args";
import { COMMANDS } from "../../ops/lib/commands";
import { parseAuth } from "../../zk/backup/acl";
import { runProgram } from "../../harness/mocks";
import { stackConfig, useHomeWithKubeconfig } from "../../harness/stack-files";

const ROOT = path.join(__dirname, "..", "..");
/** README and the pages it links (docs/): one text for the checks that hold wherever a line is. */
const readme = ["README.md", ...fs.readdirSync(path.join(ROOT, "docs")).map((f) => path.join("docs", f))]
  .map((f) => fs.readFileSync(path.join(ROOT, f), "utf8"))
  .join("\n");
const frontPage = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");

/** The words of a shell command line up to a comment or the next command (&&, ;, |, &), quotes removed. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /\s*(?:'([^']*)'|"([^"]*)"|(&&|[;|&#])|([^\s'"&;|#]+))/y;
  let word: string | undefined;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const separated = /^\s/.test(m[0]) || word === undefined;
    if (m[3] !== undefined) break;
    const text = m[1] ?? m[2] ?? m[4];
    if (separated) {
      if (word !== undefined) words.push(word);
      word = text;
    } else {
      word += text;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Every `npm run <command>` of README's ```sh blocks, as the words after the script's name. */
function readmeCommandLines(): { line: string; script: string; args: string[] }[] {
  const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
  return blocks.flatMap((block) =>
    block.split("\n").flatMap((line) =>
      [...line.matchAll(/npm run ([\w:]+)/g)].map((m) => {
        const words = shellWords(line.slice(m.index! + m[0].length));
        return { line: line.trim(), script: m[1], args: words[0] === "--" ? words.slice(1) : words };
      }),
    ),
  );
}

describe("README and Pulumi.yaml stay true", function () {
  this.timeout(30000);
  useHomeWithKubeconfig();
  it("README's layout shows every top-level folder of the repository, and only folders that exist, one line each", () => {
    const block = /## Layout\n\n```\n([\s\S]*?)```/.exec(frontPage);
    expect(block, "a Layout section with a tree").to.not.equal(null);
    const listed = block![1]
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => l.split(/\s+/)[0]);
    expect(new Set(listed).size, "one line per folder").to.equal(listed.length);
    for (const entry of listed) expect(fs.existsSync(path.join(ROOT, entry)), entry).to.equal(true);
    const tracked = new Set(
      execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" })
        .split("\n")
        .filter((f) => f.includes("/") && !f.startsWith("."))
        .map((f) => `${f.split("/")[0]}/`),
    );
    expect(listed.filter((l) => l.endsWith("/") && !l.slice(0, -1).includes("/"))).to.have.members([...tracked]);
  });

  it("documents every stack output, and no other", async () => {
    // Outputs differ by mode: kind (with host access; with TLS and client authentication), existing and render.
    const runs = [
      await runProgram("dev", stackConfig("dev", { exposeOnHost: "true" })),
      await runProgram(
        "dev",
        stackConfig("dev", { tls: "on", rollOrder: "ordinal", clientAuth: "digest", clientUsers: "app:app-Pa55word-1" }),
        ["clientUsers"],
      ),
      await runProgram("prod", stackConfig("prod")),
      await runProgram("render", stackConfig("render")),
      await runProgram("dev", stackConfig("dev", { clientAuth: "digest", tenants: '[{"name":"kafka"}]' })),
    ];
    const exported = [...new Set(runs.flatMap((r) => Object.keys(r.outputs)))].sort();
    const outputs = readme.slice(readme.indexOf("## Outputs"), readme.indexOf("\n## ", readme.indexOf("## Outputs") + 1));
    const documented = [...outputs.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).to.deep.equal(exported);
  });

  it("installs for the test command exactly the Debian packages that CI installs (.ci/run's packages=)", () => {
    const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    const ciLine = /^packages="([^"]*)"$/m.exec(ci);
    expect(ciLine, ".ci/run has one packages= line").to.not.equal(null);
    const readmeLines = [...readme.matchAll(/^sudo apt-get install ([^#\n]*)/gm)];
    expect(readmeLines, "README has one apt-get install line").to.have.length(1);
    const words = (list: string) => list.trim().split(/\s+/).sort();
    expect(words(readmeLines[0][1])).to.deep.equal(words(ciLine![1]));
  });

  it("names only alerts the PrometheusRule has", async () => {
    const { resources } = await runProgram("dev", stackConfig("dev", { podMonitor: "true" }));
    const rule = resources.find((r) => r.type.endsWith(":PrometheusRule"));
    const alerts = new Set<string>(rule!.inputs.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert)));
    // ZooKeeperEnsemble and ZooKeeperStorage are the components' classes, not alerts.
    const classes = new Set([
      ...Object.keys(await import("../../components/zookeeper")),
      ...Object.keys(await import("../../components/storage")),
    ]);
    const named = [...new Set([...readme.matchAll(/`(ZooKeeper[A-Z]\w+)`/g)].map((m) => m[1]))].filter((n) => !classes.has(n));
    expect(named.length).to.be.greaterThan(0);
    expect(named.filter((a) => !alerts.has(a))).to.deep.equal([]);
  });

  it("passes a script's flags after npm's `--` (npm keeps `npm run verify --stack` for itself)", () => {
    const scripts = Object.keys(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts);
    const wrong = [...readme.matchAll(/npm run ([\w:]+) (--?\w[\w-]*)/g)].filter(
      ([, script, flag]) => scripts.includes(script) && flag !== "--",
    );
    expect(wrong.map((m) => m[0])).to.deep.equal([]);
  });

  it("npm run bench's table counts the resources the program registers for each size", async () => {
    const block = readme.slice(readme.indexOf("$ npm run bench\n"), readme.indexOf("ensembles in one program"));
    const rows = [...block.matchAll(/^\s+(\d+)\s+(\d+)\s+[\d.]+$/gm)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(rows.length).to.be.greaterThan(0);
    for (const [replicas, resources] of rows) {
      // As bench/program.ts runs it: one kind node per server.
      const run = await runProgram("bench", { replicas: String(replicas), workers: String(replicas) });
      expect(run.resources.length, `replicas ${replicas}`).to.equal(resources);
    }
  });

  it("shows each command's usage line as its --help prints it", () => {
    for (const spec of COMMANDS) {
      expect(readme, `npm run ${spec.name}`).to.match(new RegExp("```text\\n(.*\\n)*?" + escape(usageLine(spec)) + "\\n(.*\\n)*?```"));
    }
  });

  it("gives only command lines the commands take: options, servers and credentials as each command reads them", () => {
    const lines = readmeCommandLines().filter((l) => COMMANDS.some((c) => c.name === l.script));
    expect(lines.length, "README's command lines found").to.be.greaterThan(5);
    for (const { line, script, args } of lines) {
      const spec = COMMANDS.find((c) => c.name === script)!;
      const parsed = parseCommandLine(spec, args);
      const servers = parsed.value("servers");
      if (servers !== undefined) parseServers(servers);
      for (const auth of parsed.values("auth")) expect(parseAuth(auth), line).to.be.an("object");
    }
  });

  it("gives the test command that CI runs", () => {
    expect(frontPage).to.contain("```sh\nnpm test\n```");
    const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
    expect(ci.trimEnd().split("\n").at(-1)).to.equal("npm test");
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
