// The test tiers (docs/testing.md): each folder under test/ is what its tests need, so a contributor
// can run what their machine has. What a tier needs shows in what its tests import: the harness
// modules below start something that must be installed first. Read from the import graph, so a test
// that starts a server cannot sit in a tier that promises to need nothing but `npm ci`.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import { LANES } from "../../scripts/test";

const ROOT = path.join(__dirname, "..", "..");

/** The tiers, in the order `npm test` runs them, and what each needs beyond `npm ci`. */
const TIERS: Record<string, string[]> = {
  pure: [],
  program: [],
  servers: ["zookeeper", "java"],
  netns: ["zookeeper", "java", "root"],
  // test/cluster/up-down.test.ts puts real servers behind the pods' port-forwards.
  cluster: ["judges", "zookeeper", "java"],
};

/**
 * The harness modules that need something installed, and what. harness/netns.ts is not here: the
 * local ensemble imports it for the network namespaces it can be asked for, and only test/netns/
 * asks (a case below).
 */
const NEEDS: Record<string, string[]> = {
  "harness/zookeeper-install.ts": ["zookeeper", "java"],
  "harness/control-plane.ts": ["judges"],
  "harness/cluster-tier.ts": ["judges"],
  "harness/kwok-stages.ts": ["judges"],
};

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\(\s*)["'](\.{1,2}\/[^"']+)["']/g;

/** The repository's .ts files a file imports, directly (relative imports only). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  return [...text.matchAll(SPECIFIER)]
    .map((m) => path.normalize(path.join(path.dirname(file), m[1])))
    .map((base) => [`${base}.ts`, path.join(base, "index.ts")].find((f) => fs.existsSync(path.join(ROOT, f))))
    .filter((f): f is string => f !== undefined);
}

/** Every file a file reaches through imports, itself included. */
function reach(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const next of importsOf(file)) reach(next, seen);
  return seen;
}

function testsIn(dir: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => path.join(dir, f))
    .sort();
}

describe("the test tiers", () => {
  it("every test file sits in a tier folder, and every folder under test/ is a tier (or the reviewed renders)", () => {
    const folders = fs
      .readdirSync(path.join(ROOT, "test"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(folders).to.deep.equal([...Object.keys(TIERS), "golden"].sort());
    expect(fs.readdirSync(path.join(ROOT, "test")).filter((f) => f.endsWith(".ts"))).to.deep.equal([]);
  });

  for (const [tier, allowed] of Object.entries(TIERS)) {
    it(`test/${tier}/ needs ${allowed.length ? allowed.join(", ") : "nothing but npm ci"}: no test there reaches a harness module that needs more`, () => {
      const tests = testsIn(path.join("test", tier));
      expect(tests, tier).not.to.be.empty;
      const overreach = tests.flatMap((t) =>
        [...reach(t)]
          .filter((f) => (NEEDS[f] ?? []).some((need) => !allowed.includes(need)))
          .map((f) => `${t} reaches ${f} (needs ${NEEDS[f].join(", ")})`),
      );
      expect(overreach).to.deep.equal([]);
    });
  }

  it("only test/netns/ builds network namespaces (the one tier that needs root)", () => {
    const all = Object.keys(TIERS).flatMap((tier) => testsIn(path.join("test", tier)));
    const building = all.filter((t) => /\bTestNetwork\b|\bcanBuildNetwork\b/.test(fs.readFileSync(path.join(ROOT, t), "utf8")));
    expect(building).to.not.be.empty;
    expect(building.filter((t) => !t.startsWith("test/netns/"))).to.deep.equal([]);
  });

  it("npm test runs every tier, each in exactly one lane (scripts/test.ts), so no suite is left out", () => {
    const laned = Object.values(LANES)
      .flat()
      .map((glob) => /^test\/([^/]+)\/\*\*\/\*\.test\.ts$/.exec(glob)?.[1]);
    expect(laned.slice().sort()).to.deep.equal(Object.keys(TIERS).sort());
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.scripts.test).to.match(/&& tsx scripts\/test\.ts$/);
  });

  it("a test imports the harness and the code under test, never another test file", () => {
    const all = Object.keys(TIERS).flatMap((tier) => testsIn(path.join("test", tier)));
    const crossing = all.flatMap((t) =>
      importsOf(t)
        .filter((f) => f.startsWith("test/"))
        .map((f) => `${t} -> ${f}`),
    );
    expect(crossing).to.deep.equal([]);
  });

  it("benches, generators and operator commands import nothing under test/: what they share with tests is in harness/", () => {
    const sources = ["bench", "scripts", "ops", "e2e", "judges"].flatMap((dir) =>
      fs
        .readdirSync(path.join(ROOT, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(dir, f)),
    );
    expect(sources.length).to.be.greaterThan(20);
    const intoTests = sources.flatMap((s) =>
      importsOf(s)
        .filter((f) => f.startsWith("test/"))
        .map((f) => `${s} -> ${f}`),
    );
    expect(intoTests).to.deep.equal([]);
  });
});
