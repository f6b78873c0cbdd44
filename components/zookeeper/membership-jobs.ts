// The membership Jobs of an ensemble with dynamic membership: `remove` runs before the StatefulSet
// changes (the StatefulSet depends on it), `add` after the StatefulSet is Ready (it depends on the
// StatefulSet). Both run the bundled job (jobs/membership.ts) in the Node.js pod the backup uses (node-job/pod.ts).
// Pulumi (pulumi-kubernetes v4.32.0, provider/pkg/await) waits for a Job to complete, 10 minutes by
// default, and a failed one fails the update; with pulumi.com/replaceUnready, the next `pulumi up`
// replaces a Job that did not complete (provider.go Diff), so running `pulumi up` again runs it again.
// A Job's template cannot change in place (provider/pkg/provider/diff.go: Job spec.template forces a
// replacement): the name carries a digest of what the Job does, so a new target makes new Jobs and an
// unchanged one leaves them be; the template names the admin Secret, whose name never changes, so a
// change of clientUsers (a new JAAS Secret) replaces and reruns no Job.
import type * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { EnsembleNames } from "./names";
import { MEMBERSHIP_ENV, MembershipPhase } from "../../zk/facts/membership-env";
import { MANAGED_BY } from "../managed-by";
import { renderNodeJob, renderNodeJobConfigMap } from "../node-job/pod";

/**
 * Bounds. The Job gives up before Pulumi stops waiting for it (10 minutes), so the update reports the
 * job's own reason; a pod killed halfway is run again (backoffLimit), and each run converges from what
 * the members have committed.
 */
export const MEMBERSHIP_JOB_LIMITS = { activeDeadlineSeconds: 480, backoffLimit: 2, joinWaitSeconds: 240 } as const;

export interface MembershipJobInput {
  namespace: string;
  names: EnsembleNames;
  /** The wanted members' lines (components/zookeeper/membership.ts memberLines). */
  target: string[];
  /** host:port of the client Service's plaintext port. */
  clientEndpoint: string;
  clientPort: number;
  /** The headless Service's FQDN. */
  serversName: string;
  /** The super user, its password in the admin Secret (a fixed name: see above). */
  admin: { username: string; passwordSecret: { name: pulumi.Input<string>; key: string } };
}

/**
 * Labels of the membership objects and pods. Not the ensemble's pod selector (`app: zk`): the
 * Services, the budget and anti-affinity select by it. The NetworkPolicy admits these pods to the
 * servers' client port (network-policy.ts).
 */
export function membershipLabels(names: EnsembleNames): Record<string, string> {
  return {
    "app.kubernetes.io/name": "zookeeper-membership",
    "app.kubernetes.io/instance": names.statefulSet,
    "app.kubernetes.io/component": "membership",
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

export const digest = (...parts: string[]) => createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 10);

/** The bundled job in an immutable ConfigMap named by its digest (as the backup's). */
export function renderMembershipConfigMap(namespace: string, names: EnsembleNames, bundle: string) {
  return renderNodeJobConfigMap(namespace, names.membershipJob, membershipLabels(names), bundle);
}

/**
 * `<base>-<digest>`, at most 63 characters: the Job controller copies the name into the pods' job-name
 * label (kubernetes pkg/registry/batch/job/strategy.go generateSelector), and a label value is at most
 * 63 characters, which a long namePrefix would pass. The digest keeps it unique.
 */
export function jobName(base: string, suffix: string): string {
  const room = 63 - suffix.length - 1;
  return `${base.length > room ? base.slice(0, room).replace(/-+$/, "") : base}-${suffix}`;
}

/** One phase's Job; `configMapName` is renderMembershipConfigMap's. */
export function renderMembershipJob(input: MembershipJobInput, phase: MembershipPhase, configMapName: string) {
  const labels = membershipLabels(input.names);
  const env = [
    { name: MEMBERSHIP_ENV.phase, value: phase },
    { name: MEMBERSHIP_ENV.target, value: input.target.join("\n") },
    { name: MEMBERSHIP_ENV.endpoints, value: input.clientEndpoint },
    { name: MEMBERSHIP_ENV.clientPort, value: String(input.clientPort) },
    { name: MEMBERSHIP_ENV.serversName, value: input.serversName },
    { name: MEMBERSHIP_ENV.joinWait, value: String(MEMBERSHIP_JOB_LIMITS.joinWaitSeconds) },
    { name: MEMBERSHIP_ENV.saslUsername, value: input.admin.username },
    { name: MEMBERSHIP_ENV.saslPassword, valueFrom: { secretKeyRef: input.admin.passwordSecret } },
  ];
  return renderNodeJob({
    // What the job does (phase, target, code), not the Secret's name: a new password alone reruns nothing.
    name: jobName(`${input.names.membershipJob}-${phase}`, digest(phase, ...input.target, input.clientEndpoint, configMapName)),
    namespace: input.namespace,
    labels,
    limits: MEMBERSHIP_JOB_LIMITS,
    pod: { job: "membership", env, codeConfigMap: configMapName },
  });
}
