// The cluster tier, render mode: the render stack as its stack file stands, through the real
// Pulumi CLI and pulumi-kubernetes (renderYamlToDirectory), with no cluster and no ambient
// kubeconfig, writes exactly the objects the program registers under mocks.
import { expect } from "chai";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { requireClusterTier, tierEnv, TierEnv } from "../../harness/cluster-tier";
import { runProgram } from "../../harness/mocks";
import { stackConfig } from "../../harness/stack-files";
import { ThrowawayStack } from "../../e2e/stack";
import { stackFileSettings } from "../../ops/lib/pulumi-cli";

const ROOT = path.join(__dirname, "..", "..");
const UP_MS = 5 * 60 * 1000;

/** Bytes (or cores) of a Kubernetes quantity such as 1Gi, 1024Mi or 500m; undefined for other text. */
function quantity(text: string): number | undefined {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(text);
  if (!m) return undefined;
  const unit: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 };
  return Number(m[1]) * (m[2] ? unit[m[2]] : 1);
}

/**
 * What the rendered YAML keeps of an object, as the judge's provider writes it (seen here, not read
 * in its source): quantities in canonical form (1024Mi as 1Gi) and fields whose value is 0 left out.
 * The same object up to those, on both sides.
 */
function normalized(value: any): any {
  if (Array.isArray(value)) return value.map(normalized);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === 0 ? [] : [[k, normalized(v)]])));
  }
  return typeof value === "string" ? (quantity(value) ?? value) : value;
}

/** Objects by `Kind/namespace/name`. */
const byIdentity = (objects: any[]) =>
  Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`, o]));

describe("cluster tier: the render stack through the real CLI and provider", function () {
  this.timeout(10 * 60 * 1000);
  let tier: TierEnv | undefined;
  let stack: ThrowawayStack | undefined;
  let out = "";

  before(async function () {
    requireClusterTier(this);
    tier = tierEnv();
    out = path.join(tier.dir, "rendered");
    const render = { ...stackFileSettings(ROOT, "render"), renderYamlTo: out };
    stack = await ThrowawayStack.create(ROOT, {
      settings: () => Object.fromEntries(Object.entries(render).map(([k, v]) => [k, String(v)])),
      env: tier.env,
    });
  });

  after(async () => {
    stack?.cleanup();
    tier?.restore();
  });

  it("writes the same objects the program registers under mocks, and a second up changes nothing", async () => {
    await stack!.up(UP_MS);
    const files = fs.readdirSync(path.join(out, "1-manifest")).filter((f) => f.endsWith(".yaml"));
    const written = files.flatMap((f) => yaml.loadAll(fs.readFileSync(path.join(out, "1-manifest", f), "utf8")) as any[]);
    const { resources } = await runProgram("render", stackConfig("render", { renderYamlTo: out }));
    const registered = resources.filter((r) => r.type.startsWith("kubernetes:") && r.inputs?.kind).map((r) => r.inputs);
    expect(Object.keys(byIdentity(written)).sort()).to.deep.equal(Object.keys(byIdentity(registered)).sort());
    const mocked = byIdentity(registered);
    for (const [id, object] of Object.entries(byIdentity(written))) expect(normalized(object), id).to.deep.equal(normalized(mocked[id]));
    const plan = await stack!.preview(UP_MS, { expectNoChanges: true });
    expect(plan.steps).to.deep.equal({});
  });
});
