// The systems the program runs under, built from the Go module proxy into a cache outside the
// checkout (never committed): the Pulumi CLI, a Node.js language host, the providers the program
// uses, and a Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler) with kwok for nodes whose pods become Ready without running a container. Each Go
// module here pins one judge (go.mod and go.sum are the versions); the folder's name in the cache
// is those versions plus a digest of every recipe file, so a change builds a new folder and an
// unchanged recipe reuses the old one across clones.
//
// What is ours, and why (each stands in for a module the proxy does not serve; README "What is
// verified where" says so too):
// - nodejs-host/: the language host (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs
//   is refused by the proxy at every version): Run, plugins and dependencies as pulumi v3.248.0's;
// - kubernetes/: a main for pulumi-kubernetes, whose own embeds files generated at release time.
//   The proxy serves only the commit of tag v4.25.0; the binary announces itself as the version
//   @pulumi/kubernetes asks for, so the engine uses it without a warning;
// - tfcompat/: pulumi-random and pulumi-tls are not served: stand-ins with their tokens, inputs,
//   outputs and secrets for exactly the resources the program uses.
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const JUDGES_DIR = __dirname;
const ROOT = path.join(JUDGES_DIR, "..");

/** The version a go.mod requires of a module (the pin is go.mod's). */
function required(moduleDir: string, modulePath: string): string {
  const gomod = fs.readFileSync(path.join(JUDGES_DIR, moduleDir, "go.mod"), "utf8");
  const m = new RegExp(`^\\s*(?:require\\s+)?${modulePath.replace(/\./g, "\\.")}\\s+(v\\S+)`, "m").exec(gomod);
  if (!m) throw new Error(`judges/${moduleDir}/go.mod requires no ${modulePath}`);
  return m[1];
}

/** What package.json pins of an npm package (the provider versions the SDKs ask the engine for). */
function pinned(pkg: string): string {
  const deps = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).dependencies as Record<string, string>;
  return deps[pkg];
}

export const VERSIONS = {
  pulumi: required("pulumi", "github.com/pulumi/pulumi/pkg/v3"),
  kubernetesProvider: pinned("@pulumi/kubernetes"),
  randomProvider: pinned("@pulumi/random"),
  tlsProvider: pinned("@pulumi/tls"),
  kubernetes: required("kube", "k8s.io/kubernetes"),
  etcd: required("etcd", "go.etcd.io/etcd/server/v3"),
  kwok: required("kwok", "sigs.k8s.io/kwok"),
};

/** Every file of the recipe: a change to any of them is a new build. */
function recipeFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!entry.name.endsWith("-embed.json")) files.push(full);
    }
  };
  walk(JUDGES_DIR);
  return files.sort();
}

export function judgesKey(): string {
  const digest = crypto.createHash("sha256");
  for (const file of recipeFiles()) digest.update(path.relative(JUDGES_DIR, file)).update("\0").update(fs.readFileSync(file)).update("\0");
  const v = VERSIONS;
  return (
    `pulumi${v.pulumi.slice(1)}-k8sprov${v.kubernetesProvider}-random${v.randomProvider}-tls${v.tlsProvider}` +
    `-kube${v.kubernetes.slice(1)}-etcd${v.etcd.slice(1)}-kwok${v.kwok.slice(1)}-${digest.digest("hex").slice(0, 12)}`
  );
}

/** The cache: KZ_JUDGES_CACHE, else $XDG_CACHE_HOME or ~/.cache, under kind-zookeeper/judges. */
export function judgesCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.KZ_JUDGES_CACHE || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "kind-zookeeper", "judges");
}

/** The folder of this recipe's binaries (complete, or absent: a build writes elsewhere and renames). */
export function judgesBin(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(judgesCache(env), `bin-${judgesKey()}`);
}

/** The binaries a complete build holds. */
export const BINARIES = [
  "pulumi",
  "pulumi-language-nodejs",
  "pulumi-resource-pulumi-nodejs",
  "pulumi-resource-kubernetes",
  "pulumi-resource-random",
  "pulumi-resource-tls",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubectl",
  "etcd",
  "kwok",
  "kwokctl",
] as const;

export function judgesBuilt(env: NodeJS.ProcessEnv = process.env): boolean {
  const bin = judgesBin(env);
  return BINARIES.every((b) => fs.existsSync(path.join(bin, b)));
}

/**
 * The environment that runs the real CLI with these judges and nothing of the user's: the binaries
 * first on PATH, a PULUMI_HOME of the caller's whose plugins are this build's (the engine finds a
 * provider in $PULUMI_HOME/plugins/resource-<name>-v<version>: pulumi/pulumi v3.248.0
 * sdk/go/common/workspace/plugins.go getPluginInfoAndPath), no plugin downloads, no update check.
 */
export function judgesEnv(pulumiHome: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const bin = judgesBin(env);
  fs.mkdirSync(pulumiHome, { recursive: true });
  const plugins = path.join(pulumiHome, "plugins");
  if (!fs.existsSync(plugins)) fs.symlinkSync(path.join(bin, "plugins"), plugins);
  return {
    PATH: `${bin}:${env.PATH ?? ""}`,
    PULUMI_HOME: pulumiHome,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
  };
}

interface Step {
  name: string;
  /** Built by this step, relative to the bin folder. */
  outputs: string[];
  run(bin: string): void;
}

function go(moduleDir: string, args: string[]): void {
  execFileSync("nice", ["-n", "10", "go", ...args], {
    cwd: path.join(JUDGES_DIR, moduleDir),
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, GOFLAGS: process.env.GOFLAGS || "-buildvcs=false", GOTOOLCHAIN: "local" },
  });
}

/** `go build` of one binary, stripped, with its version set where the package reads it. */
function goBuild(moduleDir: string, pkg: string, out: string, version?: { variable: string; value: string }): void {
  const ldflags = ["-s -w", ...(version ? [`-X ${version.variable}=${version.value}`] : [])].join(" ");
  go(moduleDir, ["build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg]);
}

const PULUMI_VERSION_VARIABLE = "github.com/pulumi/pulumi/sdk/v3/go/common/version.Version";

const STEPS: Step[] = [
  {
    name: "pulumi",
    outputs: ["pulumi"],
    run: (bin) =>
      goBuild("pulumi", "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi", path.join(bin, "pulumi"), {
        variable: PULUMI_VERSION_VARIABLE,
        value: VERSIONS.pulumi,
      }),
  },
  {
    name: "pulumi-language-nodejs",
    outputs: ["pulumi-language-nodejs"],
    run: (bin) =>
      goBuild("nodejs-host", ".", path.join(bin, "pulumi-language-nodejs"), { variable: PULUMI_VERSION_VARIABLE, value: VERSIONS.pulumi }),
  },
  {
    name: "pulumi-resource-kubernetes",
    outputs: ["pulumi-resource-kubernetes"],
    run: (bin) => {
      const version = VERSIONS.kubernetesProvider;
      // Downloaded first: `go list -m` names no folder for a module not yet in the module cache.
      const moduleDir = (
        JSON.parse(
          execFileSync("go", ["mod", "download", "-json", "github.com/pulumi/pulumi-kubernetes/provider/v4"], {
            cwd: path.join(JUDGES_DIR, "kubernetes"),
            encoding: "utf8",
            env: { ...process.env, GOTOOLCHAIN: "local" },
          }),
        ) as { Dir?: string }
      ).Dir;
      if (!moduleDir) throw new Error("go mod download named no folder for github.com/pulumi/pulumi-kubernetes/provider/v4");
      // The files upstream's main embeds, made from the module zip's schema.json and terraform-mapping.json.
      go("kubernetes", [
        "run",
        "./gen/main.go",
        path.join(moduleDir, "cmd", "pulumi-resource-kubernetes"),
        version,
        "cmd/pulumi-resource-kubernetes",
      ]);
      goBuild("kubernetes", "./cmd/pulumi-resource-kubernetes", path.join(bin, "pulumi-resource-kubernetes"), {
        variable: "github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version",
        value: version,
      });
    },
  },
  {
    name: "pulumi-resource-random, pulumi-resource-tls",
    outputs: ["pulumi-resource-random", "pulumi-resource-tls"],
    run: (bin) => {
      for (const [name, version] of [
        ["random", VERSIONS.randomProvider],
        ["tls", VERSIONS.tlsProvider],
      ]) {
        goBuild("tfcompat", `./cmd/pulumi-resource-${name}`, path.join(bin, `pulumi-resource-${name}`), {
          variable: "main.version",
          value: version,
        });
      }
    },
  },
  {
    name: "kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (one binary)",
    outputs: ["kube", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"],
    run: (bin) => {
      const v = VERSIONS.kubernetes;
      const [major, minor] = v.slice(1).split(".");
      // As kubernetes hack/lib/version.sh sets them.
      const flags = ["k8s.io/client-go/pkg/version", "k8s.io/component-base/version"].flatMap((p) => [
        `-X ${p}.gitVersion=${v}`,
        `-X ${p}.gitMajor=${major}`,
        `-X ${p}.gitMinor=${minor}`,
        `-X ${p}.gitTreeState=clean`,
        `-X ${p}.buildDate=1970-01-01T00:00:00Z`,
      ]);
      go("kube", ["build", "-trimpath", "-ldflags", ["-s -w", ...flags].join(" "), "-o", path.join(bin, "kube"), "./cmd/kube"]);
      for (const name of ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"])
        fs.symlinkSync("kube", path.join(bin, name));
    },
  },
  {
    name: "etcd",
    outputs: ["etcd"],
    run: (bin) => goBuild("etcd", "./cmd/etcd", path.join(bin, "etcd")),
  },
  {
    name: "kwok, kwokctl",
    outputs: ["kwok", "kwokctl"],
    run: (bin) =>
      go("kwok", ["build", "-trimpath", "-ldflags", "-s -w", "-o", `${bin}/`, "sigs.k8s.io/kwok/cmd/kwok", "sigs.k8s.io/kwok/cmd/kwokctl"]),
  },
];

/**
 * The plugin of Node.js dynamic providers, which the CLI bundles beside itself (pulumi/pulumi
 * v3.248.0 sdk/go/common/workspace/plugins.go IsPluginBundled: resource plugin pulumi-nodejs): it
 * runs @pulumi/pulumi's own dynamic provider host, as the program's installation resolves it.
 */
const DYNAMIC_PROVIDER_PLUGIN = `#!/bin/sh
exec node "$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/dynamic-provider'))")" "$@"
`;

/** The providers as the engine's plugin cache lays them out: plugins/resource-<name>-v<version>/pulumi-resource-<name>. */
function layPlugins(bin: string): void {
  for (const [name, version] of [
    ["kubernetes", VERSIONS.kubernetesProvider],
    ["random", VERSIONS.randomProvider],
    ["tls", VERSIONS.tlsProvider],
  ]) {
    const dir = path.join(bin, "plugins", `resource-${name}-v${version}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.linkSync(path.join(bin, `pulumi-resource-${name}`), path.join(dir, `pulumi-resource-${name}`));
  }
}

/** Keeps the cache bounded (a build is about 850 MB): this one and the two used most recently besides. */
function pruneOldBuilds(current: string, log: (line: string) => void): void {
  const cache = path.dirname(current);
  const others = fs
    .readdirSync(cache)
    .filter((f) => f.startsWith("bin-") && path.join(cache, f) !== current)
    .map((f) => ({ dir: path.join(cache, f), used: fs.statSync(path.join(cache, f)).mtimeMs }))
    .sort((a, b) => b.used - a.used);
  for (const old of others.slice(2)) {
    fs.rmSync(old.dir, { recursive: true, force: true });
    log(`judges: removed an older build, ${old.dir}`);
  }
}

/**
 * Builds what is missing into `<bin>.partial` and renames it to the bin folder when every binary is
 * there, so a folder named bin-<key> is always complete. Prints each step as it starts and ends.
 */
export function buildJudges(log: (line: string) => void = console.log): string {
  const bin = judgesBin();
  if (judgesBuilt()) {
    log(`judges: ${bin} (built already)`);
    return bin;
  }
  if (spawnSync("go", ["version"], { stdio: "ignore" }).error) {
    throw new Error("judges: Go is not installed (go is not on PATH): the judges are built from the Go module proxy with Go 1.26 or newer");
  }
  const partial = `${bin}.partial`;
  fs.mkdirSync(partial, { recursive: true });
  log(`judges: building into ${bin}`);
  const started = Date.now();
  for (const step of STEPS) {
    if (step.outputs.every((o) => fs.existsSync(path.join(partial, o)))) {
      log(`judges: ${step.name}: built already`);
      continue;
    }
    for (const o of step.outputs) fs.rmSync(path.join(partial, o), { force: true });
    const t0 = Date.now();
    log(`judges: ${step.name}: start`);
    step.run(partial);
    log(`judges: ${step.name}: end, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  fs.writeFileSync(path.join(partial, "pulumi-resource-pulumi-nodejs"), DYNAMIC_PROVIDER_PLUGIN, { mode: 0o755 });
  fs.rmSync(path.join(partial, "plugins"), { recursive: true, force: true });
  layPlugins(partial);
  fs.renameSync(partial, bin);
  pruneOldBuilds(bin, log);
  log(`judges: all built in ${((Date.now() - started) / 1000).toFixed(0)} s: ${bin}`);
  return bin;
}
