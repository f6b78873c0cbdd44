// Validates what the program asks Kubernetes for against the upstream OpenAPI schema, through the
// kubernetes-models package, so a field typo or a wrong type fails a test rather than a deploy.
import { Registered, revealed } from "./mocks";
import { MONITORING_SHAPES, misfits } from "./prometheus-operator";

/** "kubernetes:apps/v1:StatefulSet" -> the kubernetes-models class that validates it. */
function modelFor(type: string): { apiVersion: string; kind: string; model: any } {
  const m = /^kubernetes:([^/]+)\/([^:]+):(.+)$/.exec(type);
  if (!m) throw new Error(`not a Kubernetes resource type: ${type}`);
  const [, group, version, kind] = m;
  const modulePath = group === "core" ? `kubernetes-models/${version}` : `kubernetes-models/${group}/${version}`;
  const model = require(modulePath)[kind];
  if (!model) throw new Error(`kubernetes-models has no ${kind} in ${modulePath}`);
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind, model };
}

export function isKubernetesObject(r: Pick<Registered, "type">): boolean {
  return r.type.startsWith("kubernetes:") && !r.type.startsWith("pulumi:providers");
}

/** A server-side apply patch: a partial object, which the schema's required fields do not fit. */
export function isPatch(r: Pick<Registered, "type">): boolean {
  return isKubernetesObject(r) && r.type.endsWith("Patch");
}

/** Throws the schema's own message when the resource's inputs are not a valid object of its kind. */
export function validateAgainstSchema(r: Pick<Registered, "type" | "inputs">): void {
  if (isPatch(r)) return;
  const operator = /^kubernetes:monitoring\.coreos\.com\/v1:(.+)$/.exec(r.type);
  if (operator) {
    const shape = MONITORING_SHAPES[operator[1]];
    if (!shape) throw new Error(`no shape for monitoring.coreos.com/v1 ${operator[1]} (harness/prometheus-operator.ts)`);
    const problems = misfits(r.inputs, shape);
    if (problems.length) throw new Error(`${operator[1]}: ${problems.join("; ")}`);
    return;
  }
  const { apiVersion, kind, model } = modelFor(r.type);
  // The API server gets a secret's value: the schema applies to it, not to the engine's wrapper.
  const { apiVersion: _a, kind: _k, ...rest } = revealedDeep(r.inputs);
  new model({ apiVersion, kind, ...rest }).validate();
}

/** The same for a plain rendered manifest (apiVersion and kind included). */
export function validateManifest(manifest: { apiVersion: string; kind: string }): void {
  const [group, version] = manifest.apiVersion.includes("/") ? manifest.apiVersion.split("/") : ["core", manifest.apiVersion];
  validateAgainstSchema({ type: `kubernetes:${group}/${version}:${manifest.kind}`, inputs: manifest });
}

function revealedDeep(value: any): any {
  const plain = revealed(value);
  if (Array.isArray(plain)) return plain.map(revealedDeep);
  if (plain && typeof plain === "object") return Object.fromEntries(Object.entries(plain).map(([k, v]) => [k, revealedDeep(v)]));
  return plain;
}
