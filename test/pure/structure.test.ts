// Rules of the code's layout that no type checker sees: what a layer may know, where a fact lives.
// The import graph runs one way: the program (index.ts, config/, components/) -> the ZooKeeper
// library (zk/, its pure facts in zk/facts/ at the bottom); the in-cluster jobs (jobs/) and the
// operator commands (ops/) sit on top and import downward.
import { expect } from "chai";
import { execFileSync } from "child_process";
import * as fs from "fs";
import { builtinModules } from "module";
import * as path from "path";
import { GENERATED as GENERATED_FILES } from "../../scripts/generate";

const ROOT = path.join(__dirname, "..", "..");
/** Written by npm run gen (the jobs' bundle, the renders): not ours to word. */
const GENERATED = new Set(GENERATED_FILES.filter((g) => g.part === "whole").map((g) => g.file));

/** Every file under `dir`, as a path relative to the repository, generated files left out. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .filter((f) => !GENERATED.has(f))
    .sort();
}

const containing = (files: string[], text: string | RegExp) =>
  files.filter((f) => {
    const content = fs.readFileSync(path.join(ROOT, f), "utf8");
    return typeof text === "string" ? content.includes(text) : text.test(content);
  });

describe("the code's structure", () => {
  const components = filesUnder("components");

  it("finds the components' files", () => {
    expect(components).to.include.members(["components/kind/provider.ts", "components/zookeeper/metrics.ts"]);
  });

  it("components/ knows nothing of `pulumi config`: it names its own arguments, the stack layer (config/) its settings", () => {
    expect(containing(components, /pulumi\s+config/i)).to.deep.equal([]);
  });

  it('the managed-by value "kind-zookeeper" is written once, in components/managed-by.ts', () => {
    expect(containing(components, '"kind-zookeeper"')).to.deep.equal(["components/managed-by.ts"]);
  });
});

/** Every TypeScript file of the repository's own folders (not node_modules, not the Go judges). */
function sourceFiles(): string[] {
  return fs
    .readdirSync(ROOT, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".d.ts"))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith("node_modules") && !f.startsWith(".") && !f.startsWith(`judges${path.sep}`))
    .sort();
}

/** What `file` imports (import, export ... from, import(), require()): repository files, and bare module names. */
function importsOf(file: string): { local: string[]; modules: string[] } {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  const specs = [...text.matchAll(/(?:\bfrom|\bimport|\brequire\(|\bimport\()\s*"([^"]+)"/g)].map((m) => m[1]);
  const local: string[] = [];
  const modules: string[] = [];
  for (const spec of specs) {
    if (spec.startsWith(".")) {
      const base = path.join(path.dirname(file), spec);
      const found = [`${base}.ts`, path.join(base, "index.ts"), base].find((f) => fs.existsSync(path.join(ROOT, f)));
      local.push(found ?? base);
    } else {
      modules.push(spec);
    }
  }
  return { local, modules };
}

/** The folder a repository file belongs to, as the layering names it. */
function wing(file: string): string {
  if (file === "index.ts") return "program";
  const [top, second] = file.split(path.sep);
  if (top === "config" || top === "components") return "program";
  if (top === "zk") return second === "facts" ? "facts" : "library";
  return top;
}

describe("the import graph runs one way", () => {
  const files = sourceFiles();
  /** [importer, imported] for every import between two files of the repository. */
  const edges = files.flatMap((f) => importsOf(f).local.map((to) => [f, to] as const));
  const arrows = (from: (w: string) => boolean, to: (w: string) => boolean) =>
    edges.filter(([a, b]) => from(wing(a)) && to(wing(b))).map(([a, b]) => `${a} -> ${b}`);

  it("reads the imports of every wing", () => {
    for (const w of ["program", "facts", "library", "jobs", "ops", "test"]) expect(files.map(wing), w).to.include(w);
    expect(edges.length).to.be.greaterThan(300);
  });

  it("the program (index.ts, config/, components/) imports only itself and the library's facts (zk/facts/)", () => {
    expect(
      arrows(
        (w) => w === "program",
        (w) => !["program", "facts"].includes(w),
      ),
    ).to.deep.equal([]);
  });

  it("the library (zk/) imports nothing of jobs/, ops/, the program or the tests; its facts only each other", () => {
    expect(
      arrows(
        (w) => w === "library",
        (w) => !["library", "facts"].includes(w),
      ),
    ).to.deep.equal([]);
    expect(
      arrows(
        (w) => w === "facts",
        (w) => w !== "facts",
      ),
    ).to.deep.equal([]);
  });

  it("jobs/ is imported by nobody but itself, the tests and the generator (scripts/)", () => {
    expect(
      arrows(
        (w) => !["jobs", "test", "scripts"].includes(w),
        (w) => w === "jobs",
      ),
    ).to.deep.equal([]);
  });

  it("jobs/ imports the library, never the operator commands (ops/) or the program", () => {
    expect(
      arrows(
        (w) => w === "jobs",
        (w) => !["jobs", "library", "facts"].includes(w),
      ),
    ).to.deep.equal([]);
  });

  it("no file reaches itself through imports (type-only imports count: they tie the files' meanings together)", () => {
    const next = new Map<string, string[]>();
    for (const [a, b] of edges) next.set(a, [...(next.get(a) ?? []), b]);
    const state = new Map<string, "open" | "done">();
    const circles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === "done") return;
      if (state.get(file) === "open") {
        circles.push([...trail.slice(trail.indexOf(file)), file].join(" -> "));
        return;
      }
      state.set(file, "open");
      for (const to of next.get(file) ?? []) visit(to, [...trail, file]);
      state.set(file, "done");
    };
    for (const f of files) visit(f, []);
    expect(circles).to.deep.equal([]);
  });

  it("ops/ is imported only by itself, the tests and their harness, e2e/ and bench/", () => {
    expect(
      arrows(
        (w) => !["ops", "test", "harness", "e2e", "bench"].includes(w),
        (w) => w === "ops",
      ),
    ).to.deep.equal([]);
  });
});

describe("the production program (tsconfig.json)", function () {
  this.timeout(60000);
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
  let listed: string[] = [];

  before(() => {
    // As a production install runs it: one type-check, listing the files it pulled in.
    const tsc = require.resolve("typescript/bin/tsc");
    const out = execFileSync(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit", "--listFiles"], { cwd: ROOT, encoding: "utf8" });
    listed = out
      .split("\n")
      .filter(Boolean)
      .map((f) => path.relative(ROOT, f));
  });

  it("type-checks, and pulls in only index.ts, config/, components/ and zk/facts/: nothing of ops/, jobs/, test/, bench/, e2e/", () => {
    const own = listed.filter((f) => !f.split(path.sep).includes("node_modules"));
    expect(own).to.include.members(["index.ts", path.join("components", "zookeeper", "ensemble.ts")]);
    expect(own.filter((f) => !["program", "facts"].includes(wing(f)))).to.deep.equal([]);
  });

  it('imports only modules of package.json "dependencies" (a production install has no devDependencies)', () => {
    const builtins = new Set(builtinModules);
    const own = listed.filter((f) => !f.split(path.sep).includes("node_modules"));
    const modules = [...new Set(own.flatMap((f) => importsOf(f).modules))]
      .filter((m) => !m.startsWith("node:") && !builtins.has(m))
      .map((m) => (m.startsWith("@") ? m.split("/").slice(0, 2).join("/") : m.split("/")[0]));
    expect(modules.length).to.be.greaterThan(3);
    expect(modules.filter((m) => !(m in pkg.dependencies)).sort()).to.deep.equal([]);
  });
});
