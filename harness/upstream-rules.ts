// Rules of the systems the program runs on, as data for the contract tests. Each table cites where
// it was read; a new upstream version means re-reading these places.

/**
 * Fields whose change makes pulumi-kubernetes replace an object instead of updating it, besides
 * metadata.name and metadata.namespace (every kind). A fixed name that is unchanged makes the
 * provider delete the old object first (provider.go Diff: deleteBeforeReplace when the name and
 * namespace stay). Source: pulumi/pulumi-kubernetes provider/pkg/provider/diff.go and provider.go at
 * v4.32.0 (identical on master of 2026-07-01; the v4.34.2 tag is not stored). ConfigMap and Secret
 * data: special cases in diff.go, as enableConfigMapMutable/enableSecretMutable default to false.
 * A kind whose group and version `forceNew` lacks gets the metadata fields only (forceNewProperties
 * starts from metadataForceNewProperties and adds nothing): policy/v1 (only policy/v1beta1 is
 * listed), networking.k8s.io, batch/v1 CronJob, and custom resources such as the Prometheus
 * Operator's monitoring.coreos.com/v1 kinds. Every kind the program registers must be listed here
 * (the contract test fails otherwise), so a new kind means reading diff.go for it.
 */
export const PULUMI_KUBERNETES_REPLACES: Record<string, string[]> = {
  StorageClass: ["parameters", "provisioner"],
  StatefulSet: ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
  PersistentVolumeClaim: ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
  Service: ["spec.clusterIP"],
  PodDisruptionBudget: [],
  ConfigMap: ["data", "binaryData"],
  Secret: ["type", "stringData", "data"],
  Namespace: [],
  Job: ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
  NetworkPolicy: [],
  CronJob: [],
  PodMonitor: [],
  PrometheusRule: [],
  // core/v1 lists no ServiceAccount fields; rbac.authorization.k8s.io/v1 lists RoleBinding's roleRef
  // (var roleBinding) and no Role.
  ServiceAccount: [],
  Role: [],
  RoleBinding: ["roleRef"],
};

/**
 * Fields the API server refuses to update. Sources (kubernetes/kubernetes):
 * - StorageClass: pkg/apis/storage/validation/validation.go ValidateStorageClassUpdate (provisioner,
 *   parameters, reclaimPolicy, volumeBindingMode; k8s.io/api v0.36.1 storage/v1 types.go marks the
 *   same four +k8s:immutable);
 * - StatefulSet: pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate ("updates to
 *   statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy',
 *   'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
 * - PersistentVolumeClaim: ValidatePersistentVolumeClaimUpdate ("spec is immutable after creation
 *   except resources.requests ... for bound claims"; shrinking forbidden);
 * - Service: spec.clusterIP "may not change once set" (k8s.io/api v0.36.1 core/v1 types.go);
 * - ConfigMap with immutable: true: data and binaryData;
 * - RoleBinding: pkg/apis/rbac/validation/validation.go ValidateRoleBindingUpdate ("cannot change
 *   roleRef"; kubernetes v1.36.3).
 */
export const API_IMMUTABLE: Record<string, string[]> = {
  StorageClass: ["provisioner", "parameters", "reclaimPolicy", "volumeBindingMode"],
  StatefulSet: ["spec.serviceName", "spec.podManagementPolicy", "spec.selector", "spec.volumeClaimTemplates", "spec.revisionHistoryLimit"],
  PersistentVolumeClaim: [
    "spec.accessModes",
    "spec.selector",
    "spec.storageClassName",
    "spec.volumeName",
    "spec.volumeMode",
    "spec.dataSource",
  ],
  Service: ["spec.clusterIP"],
  ConfigMap: ["data", "binaryData"],
  RoleBinding: ["roleRef"],
};

/** The kind of a pulumi-kubernetes type token: kubernetes:apps/v1:StatefulSet -> StatefulSet. */
export function kindOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1).replace(/Patch$/, "");
}

/**
 * The changed fields between two objects' inputs, as dotted paths: `spec.<field>` inside spec,
 * top-level names elsewhere (metadata as metadata.name, metadata.namespace, metadata.labels, ...).
 */
export function changedFields(before: any, after: any): string[] {
  const changed: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const key of new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})])) {
    if (key === "__provider") continue;
    if (key === "spec" || key === "metadata") {
      for (const sub of new Set([...Object.keys(before?.[key] ?? {}), ...Object.keys(after?.[key] ?? {})])) {
        if (!same(before?.[key]?.[sub], after?.[key]?.[sub])) changed.push(`${key}.${sub}`);
      }
    } else if (!same(before?.[key], after?.[key])) {
      changed.push(key);
    }
  }
  return changed;
}

/**
 * Whether the MaxUnavailableStatefulSet gate is on by default, per Kubernetes release, read in
 * kubernetes/kubernetes pkg/features/kube_features.go at each tag (v1.34.4: alpha, off; v1.35.0:
 * beta, on; v1.35.4 and v1.36.1: beta, off again; v1.37.2: beta, on).
 */
export const MAX_UNAVAILABLE_STATEFULSET_GATE: Record<string, boolean> = {
  "1.34.4": false,
  "1.35.0": true,
  "1.35.4": false,
  "1.36.1": false,
  "1.37.2": true,
};

/**
 * What the API server stores of a StatefulSet we create, as far as a field we may set is concerned:
 * where the gate is off it drops spec.updateStrategy.rollingUpdate.maxUnavailable
 * (pkg/registry/apps/statefulset/strategy.go dropStatefulSetDisabledFields, identical at the tags
 * above); where it is on it defaults it to 1, and partition to 0 in either case
 * (pkg/apis/apps/v1/defaults.go SetDefaults_StatefulSet). Other objects are stored as sent here:
 * fields the API server adds do not matter to the diff below, only fields it drops or rewrites.
 */
export function storedByApiServer(object: any, gateOn: boolean): any {
  const stored = JSON.parse(JSON.stringify(object));
  const rolling = stored?.kind === "StatefulSet" ? stored.spec?.updateStrategy?.rollingUpdate : undefined;
  if (rolling) {
    rolling.partition ??= 0;
    if (gateOn) rolling.maxUnavailable ??= 1;
    else delete rolling.maxUnavailable;
  }
  return stored;
}

/**
 * pulumi-kubernetes prunes the live object to the shape of the old inputs before it diffs it with
 * the new inputs (provider/pkg/provider/provider.go Diff and pruneLiveState; util.go pruneMap and
 * pruneSlice, at v4.32.0 and master of 2026-07-01): keys the inputs lack are left out, slices
 * are cut to the inputs' length, values of another type are kept whole.
 */
export function pruneLiveState(live: any, inputs: any): any {
  const kindOfValue = (v: unknown) =>
    v === null || v === undefined ? "nil" : Array.isArray(v) ? "slice" : typeof v === "object" ? "map" : typeof v;
  const pruneMap = (source: any, target: any): any => {
    if (target == null || source == null) return null;
    const result: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(source)) {
      if (!(key in target)) continue;
      const t = target[key];
      if (value === null || t === null || kindOfValue(value) !== kindOfValue(t)) result[key] = value;
      else if (kindOfValue(value) === "map") result[key] = pruneMap(value, t);
      else if (kindOfValue(value) === "slice") result[key] = pruneSlice(value as unknown[], t);
      else result[key] = value;
    }
    return result;
  };
  const pruneSlice = (source: unknown[], target: unknown[]): unknown[] | null => {
    if (target == null || source == null) return null;
    if (source.length === 0 || target.length === 0) return [];
    if (kindOfValue(source[0]) !== kindOfValue(target[0])) return JSON.parse(JSON.stringify(source));
    const result: unknown[] = [];
    target.forEach((t, i) => {
      if (i >= source.length) return;
      const value = source[i];
      if (value == null || t == null) result.push(value);
      else if (kindOfValue(value) === "map") result.push(pruneMap(value, t));
      else if (kindOfValue(value) === "slice") result.push(pruneSlice(value as unknown[], t as unknown[]));
      else result.push(value);
    });
    return result;
  };
  return pruneMap(live, inputs);
}
