// The roll Job of an ensemble with rollOrder leader-last (issue 24): the StatefulSet takes a new pod
// template with updateStrategy OnDelete, which restarts nothing (kubernetes v1.36.3
// pkg/controller/statefulset/stateful_set_control.go updateStatefulSet: OnDelete "short circuits";
// a deleted pod is recreated at the update revision, stateful_set_utils.go newVersionedStatefulSetPod,
// and status.currentRevision never advances), and this Job restarts the servers one at a time,
// followers first, the leader last (zk/roll.ts, run as `node jobs.js roll`, jobs/roll.ts). RollingUpdate
// could not: it always deletes the highest outdated ordinal first, whoever leads.
//
// Pulumi's part (pulumi-kubernetes provider/pkg/await): an OnDelete StatefulSet at generation > 1 is
// done once spec.replicas == status.replicas == status.readyReplicas (statefulset.go), i.e. at once
// with the old pods still running; this Job, which depends on it, is awaited until Complete (job.go,
// 10 minutes by default: the component sets customTimeouts for a five-server roll) and a Failed Job
// fails the update, with the roll's reason in the Job's log. With pulumi.com/replaceUnready the next
// `pulumi up` replaces a Job that did not complete, and the roll resumes where it stopped (it reads
// which pods run the new template from the cluster each round).
//
// As the membership Jobs (membership-jobs.ts), the name carries a digest of what the Job does: the
// servers' pod template, the replicas and the code. A new template makes a new Job; an unchanged one
// leaves the completed Job be, so nothing restarts.
import { EnsembleNames } from "./names";
import { podSelector, labelSelectorQuery } from "./labels";
import { digest, jobName } from "./membership-jobs";
import { ROLL_ENV } from "../../zk/facts/roll-env";
import { MANAGED_BY } from "../managed-by";
import { renderNodeJob, renderNodeJobConfigMap } from "../node-job/pod";
import type { JobTls } from "./tls";

/**
 * Bounds. One wait (a restarted server coming back and syncing, or another server not serving) lasts
 * at most waitSeconds, then the Job fails naming the server; five servers that each take nearly that
 * long fit in activeDeadlineSeconds, which ends before Pulumi stops waiting (customTimeoutMinutes), so
 * the update reports the roll's own reason. A pod killed halfway is run again (backoffLimit) and
 * resumes the roll.
 */
export const ROLL_JOB_LIMITS = {
  waitSeconds: 300,
  activeDeadlineSeconds: 1680,
  backoffLimit: 1,
  customTimeoutMinutes: 30,
} as const;

export interface RollJobInput {
  namespace: string;
  names: EnsembleNames;
  replicas: number;
  /** The headless Service's FQDN: server i answers as <statefulSet>-<i>.<serversDomain>. */
  serversDomain: string;
  /** The servers' client port the Job asks (srvr, mntr): plaintext, or the secure one with `tls` (tls.ts jobsServerAccess). */
  clientPort: number;
  /** TLS (stages prefer and on): the CA's environment and volume. */
  tls?: JobTls<string>;
}

/**
 * Labels of the roll objects and pods. Not the ensemble's pod selector: the Services, the budget and
 * anti-affinity select by that. The NetworkPolicy admits these pods to the client port they ask
 * (plaintext, or the secure one from tls stage prefer on).
 */
export function rollLabels(names: EnsembleNames): Record<string, string> {
  return {
    "app.kubernetes.io/name": "zookeeper-roll",
    "app.kubernetes.io/instance": names.statefulSet,
    "app.kubernetes.io/component": "roll",
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

/** Prefix of the roll Job's name, its code's ConfigMap, and the name of its ServiceAccount, Role and RoleBinding. */
export function rollBase(names: EnsembleNames): string {
  return `${names.statefulSet}-roll`;
}

/** The bundled jobs in an immutable ConfigMap named by its digest (as the membership Jobs'). */
export function renderRollConfigMap(namespace: string, names: EnsembleNames, bundle: string) {
  return renderNodeJobConfigMap(namespace, rollBase(names), rollLabels(names), bundle);
}

/**
 * The Job's API access, no more than the roll's three requests (zk/roll-kube.ts): get this StatefulSet
 * (resourceNames), list pods (RBAC cannot narrow a list by labels: the Job lists with the ensemble's
 * selector, and the namespace's pod specs are no secret to it), and delete only the servers' pods by
 * name, zk-0 .. zk-<replicas-1> (resourceNames: no other pod of the namespace).
 */
export function renderRollRbac(namespace: string, names: EnsembleNames, replicas: number) {
  const name = rollBase(names);
  const metadata = { name, namespace, labels: rollLabels(names) };
  const pods = Array.from({ length: replicas }, (_, i) => `${names.statefulSet}-${i}`);
  return {
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata, automountServiceAccountToken: false },
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata,
      rules: [
        { apiGroups: ["apps"], resources: ["statefulsets"], resourceNames: [names.statefulSet], verbs: ["get"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["list"] },
        { apiGroups: [""], resources: ["pods"], resourceNames: pods, verbs: ["delete"] },
      ],
    },
    roleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata,
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace }],
    },
  };
}

/**
 * The roll Job. `templateDigest` is digest(JSON of the StatefulSet's pod template) as rendered;
 * `configMapName` is renderRollConfigMap's.
 */
export function renderRollJob(input: RollJobInput, templateDigest: string, configMapName: string) {
  const labels = rollLabels(input.names);
  const env = [
    { name: ROLL_ENV.statefulSet, value: input.names.statefulSet },
    { name: ROLL_ENV.namespace, valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
    { name: ROLL_ENV.replicas, value: String(input.replicas) },
    { name: ROLL_ENV.selector, value: labelSelectorQuery(podSelector(input.names)) },
    { name: ROLL_ENV.serversDomain, value: input.serversDomain },
    { name: ROLL_ENV.clientPort, value: String(input.clientPort) },
    { name: ROLL_ENV.waitSeconds, value: String(ROLL_JOB_LIMITS.waitSeconds) },
    ...(input.tls?.env ?? []),
  ];
  return renderNodeJob({
    name: rollJobName(input.names, templateDigest, input.replicas, configMapName),
    namespace: input.namespace,
    labels,
    limits: ROLL_JOB_LIMITS,
    pod: {
      job: "roll",
      env,
      codeConfigMap: configMapName,
      serviceAccountName: rollBase(input.names),
      ...(input.tls ? { volumes: input.tls.volumes } : {}),
    },
  });
}

/** The roll Job's name: what it does (the template's digest, the replicas, the code). */
export function rollJobName(names: EnsembleNames, templateDigest: string, replicas: number, configMapName: string): string {
  return jobName(rollBase(names), digest(templateDigest, String(replicas), configMapName));
}

/**
 * The digest of a pod template as the roll Job's name takes it: of its JSON with every object's keys
 * sorted, so a reordering of the render's fields alone makes no new Job. (The template read back from
 * Pulumi's state does not give the same digest: the cluster tier compares with the program's render.)
 */
export const templateDigest = (template: unknown) => digest(canonicalJson(template));

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}
