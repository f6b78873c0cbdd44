import { ResolvedEnsemble, DATA_PATHS, portFeatures } from "./options";
import { containerPorts } from "./ports";
import { metricsPodAnnotations } from "./metrics";
import { restrictedPodSecurity, restrictedContainerSecurity } from "../pod-security";
import { TLS_PATHS } from "./tls";
import { CLIENT_AUTH_PATHS } from "./client-auth";
import { MEMBERSHIP_PATHS } from "./membership";
import { ensembleLabels, podSelector } from "./labels";
import { scriptEnvironment, PROBE_ANSWER_TIMEOUT_SECONDS } from "./script-env";
import { CONFIG_MOUNT, START_SCRIPT, PROBE_SCRIPT } from "./scripts";

/** The image's `zookeeper` user; the restricted profile needs a non-root UID stated explicitly. */
const ZOOKEEPER_UID = 1000;
const CONFIG_VOLUME = "config";
const DATA_VOLUME = "datadir";
const TMP_VOLUME = "tmp";
const TLS_VOLUME = "tls";
const AUTH_VOLUME = "auth";
const SEED_VOLUME = "members";
const HOSTNAME_TOPOLOGY = "kubernetes.io/hostname";

/**
 * Keeps servers on separate nodes. The selector matches the ensemble's own pod label: the old
 * tutorial's selector (`zk-headless`) matched no pod and so spread nothing.
 */
function renderAntiAffinity(s: ResolvedEnsemble) {
  const term = {
    labelSelector: {
      matchExpressions: Object.entries(podSelector(s.names)).map(([key, value]) => ({ key, operator: "In", values: [value] })),
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
function renderZoneSpread(s: ResolvedEnsemble) {
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

function execProbe(mode: "live" | "ready", timing: { periodSeconds: number; failureThreshold: number }) {
  return {
    exec: { command: ["bash", `${CONFIG_MOUNT}/${PROBE_SCRIPT}`, mode] },
    // Liveness and readiness start only once the startup probe passed.
    initialDelaySeconds: 0,
    ...timing,
    // Longer than the script's own bound, so the script reports why rather than being killed.
    timeoutSeconds: PROBE_ANSWER_TIMEOUT_SECONDS + 3,
    successThreshold: 1,
  };
}

/**
 * How often each probe runs and how many failures in a row count. Readiness every 2 s: a server that
 * serves is Ready within about 2 s, and an election (about 0.3 s after a clean failure) fails at
 * most one probe, which two in a row are needed to flip; liveness restarts a server only after 30 s
 * without `imok`. Measured by the ensemble benchmark (start to all Ready).
 */
export const PROBE_TIMING = {
  startup: (startupSeconds: number) => ({ periodSeconds: 1, failureThreshold: startupSeconds }),
  liveness: { periodSeconds: 10, failureThreshold: 3 },
  readiness: { periodSeconds: 2, failureThreshold: 2 },
};

/**
 * The probes. A server answers `ruok` only once it has loaded its snapshot and transaction logs
 * (apache/zookeeper QuorumPeer.start(): loadDataBase() before startServerCnxnFactory()), which can
 * take minutes for a large data set: the startup probe gives it `startupSeconds`, and liveness
 * (which restarts the container) starts only after that.
 */
function renderProbes(startupSeconds: number) {
  return {
    // Every second: a started server is handed to readiness within a second.
    startupProbe: execProbe("live", PROBE_TIMING.startup(startupSeconds)),
    livenessProbe: execProbe("live", PROBE_TIMING.liveness),
    readinessProbe: execProbe("ready", PROBE_TIMING.readiness),
  };
}

/**
 * Pulumi deletes an object with this propagation policy (pulumi-kubernetes
 * provider/pkg/metadata/overrides.go, read from the stored inputs): a StatefulSet replaced because
 * its volumeClaimTemplates changed leaves its pods running, and the new one adopts them.
 */
export const ORPHAN_ON_DELETE = { "pulumi.com/deletionPropagationPolicy": "orphan" } as const;

/**
 * The StatefulSet; `configMapName` is the rendered ConfigMap's (it changes with the files), and
 * `tlsSecretName` the TLS Secret's when TLS is on (an Output when the component makes the Secret),
 * `authSecretName` the JAAS Secret's when clients must authenticate.
 */
export function renderStatefulSet<Name = string>(s: ResolvedEnsemble, configMapName: string, tlsSecretName?: Name, authSecretName?: Name) {
  const labels = ensembleLabels(s.names);
  const affinity = renderAntiAffinity(s);
  const zoneSpread = renderZoneSpread(s);
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: s.names.statefulSet, namespace: s.namespace, labels, annotations: { ...ORPHAN_ON_DELETE } },
    spec: {
      serviceName: s.names.headlessService,
      replicas: s.replicas,
      selector: { matchLabels: podSelector(s.names) },
      // Parallel: after every pod was deleted at once, OrderedReady would wait for zk-0 to be
      // Ready, which needs a quorum, which needs zk-1: a deadlock. Rolling updates stay one at a time.
      podManagementPolicy: "Parallel",
      // No maxUnavailable: the API server drops it where the MaxUnavailableStatefulSet gate is off
      // (Kubernetes 1.34, 1.35.4+, 1.36) and defaults it to 1 where it is on (1.35.0-1.35.3, 1.37),
      // so setting it changes no roll anywhere and, where dropped, makes every `pulumi up` an update
      // (test/pure/api-server-drops.test.ts; README: "Rolling changes safely").
      // rollOrder leader-last: a new template restarts nothing by itself; the roll Job deletes the
      // pods in its order, followers first, the leader last (roll-job.ts). ordinal: the controller's
      // own roll, highest ordinal first (kubernetes v1.36.3 stateful_set_control.go updateStatefulSet).
      updateStrategy: s.rollOrder === "leader-last" ? { type: "OnDelete" } : { type: "RollingUpdate", rollingUpdate: { partition: 0 } },
      // With dynamic membership a server scaled away has left the membership first, and its volume goes
      // with it: kept, it would come back on a later grow with a configuration that lists it among
      // members long gone, a majority of which it might form with another such server. Updated in place
      // (pulumi-kubernetes diff.go; apps/v1 ValidateStatefulSetUpdate allows it), on by default since
      // Kubernetes 1.27 (StatefulSetAutoDeletePVC).
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: s.membership === "dynamic" ? "Delete" : "Retain" },
      template: {
        metadata: { labels, ...(s.metrics ? { annotations: metricsPodAnnotations() } : {}) },
        spec: {
          ...(affinity ? { affinity } : {}),
          ...(zoneSpread ? { topologySpreadConstraints: zoneSpread } : {}),
          ...(s.tolerations.length ? { tolerations: s.tolerations } : {}),
          securityContext: restrictedPodSecurity(ZOOKEEPER_UID),
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
              env: [
                { name: "ZK_HEAP", value: s.heap },
                // The start script checks that this server's own name resolves to it.
                { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                ...Object.entries(scriptEnvironment(s)).map(([name, value]) => ({ name, value })),
              ],
              ports: containerPorts(portFeatures(s)),
              // No CPU limit: throttling a server past tickTime x syncLimit forces a leader change.
              resources: {
                requests: { cpu: s.cpu, memory: s.memory },
                limits: { memory: s.memory },
              },
              ...renderProbes(s.startupSeconds),
              // Read-only root: the server writes its data volume and /tmp only (the JVM's perf data,
              // Netty's native libraries); its logs go to stdout and heap dumps are off.
              securityContext: restrictedContainerSecurity(),
              volumeMounts: [
                { name: DATA_VOLUME, mountPath: DATA_PATHS.volumeMount },
                { name: CONFIG_VOLUME, mountPath: CONFIG_MOUNT, readOnly: true },
                { name: TMP_VOLUME, mountPath: "/tmp" },
                ...(tlsSecretName !== undefined ? [{ name: TLS_VOLUME, mountPath: TLS_PATHS.secretMount, readOnly: true }] : []),
                ...(authSecretName !== undefined ? [{ name: AUTH_VOLUME, mountPath: CLIENT_AUTH_PATHS.mount, readOnly: true }] : []),
                ...(s.membership === "dynamic" ? [{ name: SEED_VOLUME, mountPath: MEMBERSHIP_PATHS.seedMount, readOnly: true }] : []),
              ],
            },
          ],
          volumes: [
            { name: CONFIG_VOLUME, configMap: { name: configMapName, defaultMode: 0o555 } },
            { name: TMP_VOLUME, emptyDir: { sizeLimit: "256Mi" } },
            // Readable by the server's group (fsGroup) only.
            ...(tlsSecretName !== undefined ? [{ name: TLS_VOLUME, secret: { secretName: tlsSecretName, defaultMode: 0o440 } }] : []),
            ...(authSecretName !== undefined ? [{ name: AUTH_VOLUME, secret: { secretName: authSecretName, defaultMode: 0o440 } }] : []),
            // The seed is read at start only; it is mutable and named by no digest, so a resize rolls no server.
            ...(s.membership === "dynamic" ? [{ name: SEED_VOLUME, configMap: { name: s.names.seedConfigMap, defaultMode: 0o444 } }] : []),
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

/** The name the StatefulSet controller gives each server's data claim: <template>-<pod>. */
function dataClaimNames(s: ResolvedEnsemble): string[] {
  return Array.from({ length: s.replicas }, (_, ordinal) => `${DATA_VOLUME}-${s.names.statefulSet}-${ordinal}`);
}

/**
 * Server-side apply patches that grow each existing claim to `storageSize`, when the StorageClass
 * allows expansion. A claim's size is owned by the controller that created it, so the patch takes
 * the field over (pulumi.com/patchForce). pulumi-kubernetes updates a claim's resources in place
 * (provider/pkg/provider/diff.go lists no resources path for PersistentVolumeClaim).
 */
export function renderVolumeExpansions(s: ResolvedEnsemble) {
  if (!s.expandVolumes) return [];
  return dataClaimNames(s).map((name) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name, namespace: s.namespace, annotations: { "pulumi.com/patchForce": "true" } },
    spec: { resources: { requests: { storage: s.storageSize } } },
  }));
}
