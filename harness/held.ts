// What the API server holds, against what the engine sent: every field of each object as the stack's
// state records its inputs (ThrowawayStack.renderedObjects) must be in the live object with the same
// value. The API server adds defaults and status (ignored: only rendered fields are compared) and
// may drop a field it does not serve (a difference, as the StatefulSet's maxUnavailable on 1.36 was).
// Secret values stay encrypted in the state and are not compared.
import type { RenderedObject } from "../e2e/expected";
import { parseByteQuantity, parseCpu } from "../components/zookeeper/quantities";

/** The state's mark of an encrypted value (pulumi/pulumi sdk/go/common/resource/sig/sig.go Secret). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A quantity's value (the API server writes "0.5" as "500m" and "1024Mi" as "1Gi"), from the program's own parsers. */
function quantityValue(v: string): number | undefined {
  const cpu = parseCpu(v);
  return cpu !== undefined ? cpu / 1000 : parseByteQuantity(v);
}

/** Where `live` lacks or differs from `rendered`, as `path: rendered -> live` lines. */
export function differences(rendered: Json, live: Json, at = ""): string[] {
  if (isObject(rendered) && rendered[SECRET_SIG] !== undefined) return [];
  if (isObject(rendered)) {
    if (!isObject(live)) return [`${at}: ${JSON.stringify(rendered)} -> ${JSON.stringify(live)}`];
    return Object.entries(rendered).flatMap(([k, v]) => differences(v, live[k], `${at}.${k}`));
  }
  if (Array.isArray(rendered)) {
    if (!Array.isArray(live) || live.length !== rendered.length) return [`${at}: ${JSON.stringify(rendered)} -> ${JSON.stringify(live)}`];
    return rendered.flatMap((v, i) => differences(v, live[i], `${at}[${i}]`));
  }
  if (rendered === live) return [];
  if (typeof rendered === "string" && typeof live === "string") {
    const [a, b] = [quantityValue(rendered), quantityValue(live)];
    if (a !== undefined && a === b) return [];
  }
  return [`${at}: ${JSON.stringify(rendered)} -> ${JSON.stringify(live)}`];
}

/** A rendered object as the API server stores it: a Secret's plain stringData is its data, base64. */
function comparable(object: RenderedObject): Record<string, Json> {
  const { stringData, ...rest } = object as unknown as Record<string, Json>;
  if (!isObject(stringData)) return rest;
  const data = Object.fromEntries(
    Object.entries(stringData).map(([k, v]) => [k, typeof v === "string" ? Buffer.from(v).toString("base64") : v]),
  );
  return { ...rest, data: { ...(isObject(rest.data) ? rest.data : {}), ...data } };
}

/**
 * Each rendered object against the live one `get` returns (undefined: not found), one line per
 * difference, prefixed with the object's kind and name; none when the API server holds what was sent.
 */
export async function heldAsRendered(
  rendered: RenderedObject[],
  get: (kind: string, name: string, namespace?: string) => Promise<Json | undefined>,
): Promise<string[]> {
  const found = await Promise.all(
    rendered.map(async (object) => {
      const { kind, metadata } = object as unknown as { kind: string; metadata: { name: string; namespace?: string } };
      const id = `${kind} ${metadata.namespace ? `${metadata.namespace}/` : ""}${metadata.name}`;
      const live = await get(kind, metadata.name, metadata.namespace);
      if (live === undefined) return [`${id}: not found`];
      return differences(comparable(object), live).map((d) => `${id}${d}`);
    }),
  );
  return found.flat();
}
