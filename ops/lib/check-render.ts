// What `npm run check` writes for a stack that passes: each Kubernetes object the program registers,
// one YAML file each, and the files of the servers' ConfigMap (zoo.cfg, the start and probe scripts)
// as the pods get them. Secret values are never written: a generated password or key does not exist
// before `pulumi up`, and a secret setting must not land in a file.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { OfflineResource } from "./offline-program";

/** Pulumi's mark of a secret value under mocks (pulumi/pulumi sdk/nodejs/runtime/rpc.ts specialSecretSig). */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export const SECRET_PLACEHOLDER = "<secret: not written by npm run check>";

/** The marker of a folder this command wrote, which a later check may empty and write again. */
const MARKER = ".written-by-npm-run-check";

function withoutSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSecrets);
  if (value && typeof value === "object") {
    if (Object.values(value).includes(SECRET_SIG)) return SECRET_PLACEHOLDER;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecrets(v)]));
  }
  return value;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string };
  [field: string]: unknown;
}

/** The Kubernetes objects among the registered resources, secret values replaced. */
export function kubernetesObjects(resources: OfflineResource[]): { type: string; object: KubeObject }[] {
  return resources
    .filter((r) => r.type.startsWith("kubernetes:") && typeof r.inputs.kind === "string")
    .map((r) => ({ type: r.type, object: withoutSecrets(r.inputs) as KubeObject }));
}

/** A file name per object, as pulumi-kubernetes' render names them: <apiVersion>-<kind>-<namespace>-<name>.yaml, lower case. */
export function manifestName(object: KubeObject, patch: boolean): string {
  const parts = [object.apiVersion.replace("/", "_"), object.kind, object.metadata.namespace ?? "", object.metadata.name].filter(Boolean);
  return `${parts.join("-").toLowerCase()}${patch ? "-patch" : ""}.yaml`;
}

/** Refuses a folder this command did not write, unless it is empty or absent. */
export function outFolderProblem(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  if (!fs.statSync(dir).isDirectory()) return `${dir} is a file: name a folder with --out`;
  const entries = fs.readdirSync(dir);
  if (entries.length === 0 || entries.includes(MARKER)) return undefined;
  return `${dir} holds files npm run check did not write: name another folder with --out, or empty it`;
}

/** Writes the objects and the servers' files into `dir` (emptied first); returns the files written, relative to it. */
export function writeCheckOutput(dir: string, resources: OfflineResource[]): string[] {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, "manifests"), { recursive: true });
  fs.writeFileSync(path.join(dir, MARKER), "");
  const written: string[] = [];
  for (const { type, object } of kubernetesObjects(resources)) {
    const file = path.join("manifests", manifestName(object, type.endsWith("Patch")));
    fs.writeFileSync(path.join(dir, file), yaml.dump(object, { lineWidth: -1, noRefs: true }));
    written.push(file);
    const data = object.kind === "ConfigMap" ? (object.data as Record<string, unknown> | undefined) : undefined;
    if (data && typeof data["zoo.cfg"] === "string") {
      fs.mkdirSync(path.join(dir, "files"), { recursive: true });
      for (const [name, content] of Object.entries(data)) {
        if (typeof content !== "string") continue;
        fs.writeFileSync(path.join(dir, "files", name), content, { mode: name.endsWith(".sh") ? 0o755 : 0o644 });
        written.push(path.join("files", name));
      }
    }
  }
  return written.sort();
}
