import { EnsembleSettings, PORTS, DATA_PATHS } from "./settings";
import { ensembleLabels, podSelector } from "./labels";
import { CONFIG_MOUNT, START_SCRIPT, PROBE_SCRIPT, PROBE_ANSWER_TIMEOUT_SECONDS } from "./scripts";

/** The image's `zookeeper` user; the restricted profile needs a non-root UID stated explicitly. */
export const ZOOKEEPER_UID = 1000;
const CONFIG_VOLUME = "config";
const DATA_VOLUME = "datadir";
const HOSTNAME_TOPOLOGY = "kubernetes.io/hostname";

/**
 * Keeps servers on separate nodes. The selector matches the ensemble's own pod label: the old
 * tutorial's selector (`zk-headless`) matched no pod and so spread nothing.
 */
export function renderAntiAffinity(s: EnsembleSettings) {
  const term = {
    labelSelector: {
      matchExpressions: [{ key: "app", operator: "In", values: [s.names.appLabel] }],
    },
    topologyKey: HOSTNAME_TOPOLOGY,
  };
  switch (s.antiAffinity) {
    case "required":
      return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
    case "preferred":
      return {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }],
        },
      };
    case "none":
      return undefined;
  }
}

/** Spreads servers over zones, so losing a zone loses at most a minority when there are 3+ zones. */
export function renderZoneSpread(s: EnsembleSettings) {
  if (s.zoneSpread === "none") return undefined;
  return [
    {
      maxSkew: 1,
      topologyKey: "topology.kubernetes.io/zone",
      whenUnsatisfiable: s.zoneSpread === "required" ? "DoNotSchedule" : "ScheduleAnyway",
      labelSelector: { matchLabels: podSelector(s.names) },
    },
  ];
}

function execProbe(mode: "live" | "ready") {
  return {
    exec: { command: ["bash", `${CONFIG_MOUNT}/${PROBE_SCRIPT}`, mode] },
    initialDelaySeconds: 10,
    periodSeconds: 10,
    // Longer than the script's own bound, so the script reports why rather than being killed.
    timeoutSeconds: PROBE_ANSWER_TIMEOUT_SECONDS + 3,
    failureThreshold: 3,
    successThreshold: 1,
  };
}

/** The StatefulSet; `configMapName` is the rendered ConfigMap's (it changes with the files). */
export function renderStatefulSet(s: EnsembleSettings, configMapName: string) {
  const labels = ensembleLabels(s.names);
  const affinity = renderAntiAffinity(s);
  const zoneSpread = renderZoneSpread(s);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: s.names.statefulSet, namespace: s.namespace, labels },
    spec: {
      serviceName: s.names.headlessService,
      replicas: s.replicas,
      selector: { matchLabels: podSelector(s.names) },
      // Parallel: after every pod was deleted at once, OrderedReady would wait for zk-0 to be
      // Ready, which needs a quorum, which needs zk-1: a deadlock. Rolling updates stay one at a time.
      podManagementPolicy: "Parallel",
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: { labels },
        spec: {
          ...(affinity ? { affinity } : {}),
          ...(zoneSpread ? { topologySpreadConstraints: zoneSpread } : {}),
          ...(s.tolerations.length ? { tolerations: s.tolerations } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: ZOOKEEPER_UID,
            runAsGroup: ZOOKEEPER_UID,
            fsGroup: ZOOKEEPER_UID,
            fsGroupChangePolicy: "OnRootMismatch",
            seccompProfile: { type: "RuntimeDefault" },
          },
          terminationGracePeriodSeconds: 30,
          // ZooKeeper never talks to the Kubernetes API, and the Service env vars would only be noise.
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containers: [
            {
              name: "zookeeper",
              image: s.image,
              imagePullPolicy: "IfNotPresent",
              command: ["bash", `${CONFIG_MOUNT}/${START_SCRIPT}`],
              env: [{ name: "ZK_HEAP", value: s.heap }],
              ports: [
                { name: "client", containerPort: PORTS.client },
                { name: "server", containerPort: PORTS.server },
                { name: "leader-election", containerPort: PORTS.leaderElection },
              ],
              // No CPU limit: throttling a server past tickTime x syncLimit forces a leader change.
              resources: {
                requests: { cpu: s.cpu, memory: s.memory },
                limits: { memory: s.memory },
              },
              livenessProbe: execProbe("live"),
              readinessProbe: execProbe("ready"),
              securityContext: {
                allowPrivilegeEscalation: false,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [
                { name: DATA_VOLUME, mountPath: DATA_PATHS.volumeMount },
                { name: CONFIG_VOLUME, mountPath: CONFIG_MOUNT, readOnly: true },
              ],
            },
          ],
          volumes: [
            { name: CONFIG_VOLUME, configMap: { name: configMapName, defaultMode: 0o555 } },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: DATA_VOLUME, labels: podSelector(s.names) },
          spec: {
            accessModes: ["ReadWriteOnce"],
            ...(s.storageClassName ? { storageClassName: s.storageClassName } : {}),
            resources: { requests: { storage: s.storageSize } },
          },
        },
      ],
    },
  };
}
