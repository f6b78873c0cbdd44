// What pulumi-kubernetes will do with each object when the program's render changes, from the
// rules read in its source (harness/upstream-rules.ts): the fields that changed, and whether
// the object is updated in place or replaced (and deleted first). The contract tests check these
// predictions against the API server's rules under mocks; the cluster tier against the real engine.
import { expect } from "chai";
import { Registered } from "./mocks";
import { isKubernetesObject } from "./schema";
import { PULUMI_KUBERNETES_REPLACES, kindOf, changedFields } from "./upstream-rules";

export const matches = (paths: string[], field: string) => paths.some((p) => field === p || field.startsWith(`${p}.`));

/** A kind's replace triggers; a kind the table lacks is a missing reading of diff.go, not a kind without triggers. */
export function replaceTriggers(kind: string): string[] {
  const triggers = PULUMI_KUBERNETES_REPLACES[kind];
  expect(triggers, `${kind}: read its replace triggers in diff.go into PULUMI_KUBERNETES_REPLACES (harness/upstream-rules.ts)`).to.be.an(
    "array",
  );
  return triggers;
}

export interface Change {
  resource: string;
  kind: string;
  changed: string[];
  replaced: boolean;
  deleteFirst: boolean;
  before: Registered;
  after: Registered;
}

/** Each registered object in both renders, with what changed and what Pulumi will do about it. */
export function changes(before: Registered[], after: Registered[]): Change[] {
  const byId = new Map(after.map((r) => [`${r.type}::${r.name}`, r]));
  return before.flatMap((b) => {
    const a = byId.get(`${b.type}::${b.name}`);
    if (!a || !isKubernetesObject(b)) return [];
    const kind = kindOf(b.type);
    // Pulumi leaves ignored fields as they are in the cluster: no change reaches the API server.
    const changed = changedFields(b.inputs, a.inputs).filter((f) => !matches(a.options.ignoreChanges, f));
    const providerTriggers = [...replaceTriggers(kind), "metadata.name", "metadata.namespace"];
    const byProvider = changed.some((f) => matches(providerTriggers, f));
    const byOption = changed.some((f) => matches(a.options.replaceOnChanges, f));
    const sameName = !changed.includes("metadata.name") && !changed.includes("metadata.namespace");
    return [
      {
        resource: `${b.type} ${b.name}`,
        kind,
        changed,
        replaced: byProvider || byOption,
        // The provider deletes first when it replaces a same-named object; a replaceOnChanges
        // replacement needs the option, or the create meets the old object's name.
        deleteFirst: sameName && ((byProvider && !b.type.endsWith("Patch")) || a.options.deleteBeforeReplace),
        before: b,
        after: a,
      },
    ];
  });
}
