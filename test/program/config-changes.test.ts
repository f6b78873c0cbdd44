// What `pulumi up` does to the cluster when one setting changes, checked against the rules of the
// API server and of pulumi-kubernetes (harness/upstream-rules.ts): every field the API server
// refuses to update is either left alone or changed through a replacement, and every replacement
// keeps the data and the servers (or the setting's description says plainly that it does not).
import { expect } from "chai";
import { isKubernetesObject } from "../../harness/schema";
import { useHomeWithKubeconfig } from "../../harness/stack-files";
import { SETTING_VARIANTS, variantRuns } from "../../harness/setting-variants";
import { API_IMMUTABLE, kindOf } from "../../harness/upstream-rules";
import { changes, matches, replaceTriggers } from "../../harness/change-model";
import { SETTINGS, SettingKey } from "../../config";
import { REPLACING_PROPERTIES } from "../../components/kind/provider";
import { ORPHAN_ON_DELETE } from "../../components/zookeeper/statefulset";

const KIND_CLUSTER = "pulumi-nodejs:dynamic/kind:Cluster";
/** Settings that name the ensemble: a change is a new ensemble, and their descriptions say so. */
const NAMING_SETTINGS: SettingKey[] = ["namespace", "namePrefix"];

describe("contract: a change of any setting is one the cluster accepts and that keeps the ensemble", function () {
  this.timeout(60000);
  useHomeWithKubeconfig();

  for (const [key, variant] of Object.entries(SETTING_VARIANTS) as [SettingKey, (typeof SETTING_VARIANTS)[SettingKey]][]) {
    it(`${key}: ${JSON.stringify(variant.set).slice(0, 80)}`, async () => {
      const [before, after] = await variantRuns(variant);
      const description = SETTINGS[key].description;
      // Every kind either render registers, also one only the changed setting brings (podMonitor's).
      for (const r of [...before.resources, ...after.resources].filter(isKubernetesObject)) replaceTriggers(kindOf(r.type));
      for (const c of changes(before.resources, after.resources)) {
        const immutable = c.kind === "ConfigMap" && c.before.inputs.immutable !== true ? [] : (API_IMMUTABLE[c.kind] ?? []);
        for (const field of c.changed.filter((f) => matches(immutable, f))) {
          expect(c.replaced, `${c.resource}: the API server refuses to update ${field}, so Pulumi must replace it`).to.equal(true);
        }
        // A claim's size changes only where its StorageClass allows expansion (ValidatePersistentVolumeClaimUpdate).
        if (c.kind === "PersistentVolumeClaim" && c.changed.some((f) => f.startsWith("spec.resources"))) {
          const cls = after.resources.find(
            (r) => kindOf(r.type) === "StorageClass" && r.inputs.metadata.name === c.after.inputs.spec.storageClassName,
          );
          expect(cls?.inputs.allowVolumeExpansion, `${c.resource} grows: its StorageClass must allow expansion`).to.equal(true);
        }
        // A claim holds data (the backups): replacing it deletes them.
        if (c.kind === "PersistentVolumeClaim") expect(c.replaced, `${c.resource} holds data: it must never be replaced`).to.equal(false);
        if (!c.replaced) continue;
        if (c.changed.includes("metadata.name") || c.changed.includes("metadata.namespace")) {
          // A new name: created before the old one goes (immutable ConfigMaps and Secrets are named by their content).
          const naming = NAMING_SETTINGS.includes(key);
          // So is a Job whose name carries a digest of what it does (membership-jobs.ts, roll-job.ts): a new
          // Job for new work, created before the completed one goes.
          const namedByContent =
            ((c.kind === "ConfigMap" || c.kind === "Secret") && c.before.inputs.immutable === true) ||
            (c.kind === "Job" && /-[0-9a-f]{10}$/.test(c.before.inputs.metadata.name));
          expect(
            naming || namedByContent || (c.kind === "StorageClass" && key === "storageClassName"),
            `${c.resource} is renamed`,
          ).to.equal(true);
          if (naming) expect(description).to.contain("deploys a new, empty ensemble");
          continue;
        }
        expect(c.deleteFirst, `${c.resource} keeps its name, so the old one must be deleted first`).to.equal(true);
        if (c.kind === "StatefulSet") {
          // The delete uses the stored (old) inputs: the old object must carry the policy.
          expect(c.before.inputs.metadata.annotations, `${c.resource} is replaced: its pods must survive`).to.deep.include(
            ORPHAN_ON_DELETE,
          );
        }
      }
      const kindBefore = before.resources.find((r) => r.type === KIND_CLUSTER);
      const kindAfter = after.resources.find((r) => r.type === KIND_CLUSTER);
      if (kindBefore && kindAfter && REPLACING_PROPERTIES.some((p) => kindBefore.inputs[p] !== kindAfter.inputs[p])) {
        expect(description, `${key} replaces the kind cluster`).to.contain(
          "replaces the kind cluster: the ensemble and its data are destroyed with it",
        );
      }
    });
  }
});
