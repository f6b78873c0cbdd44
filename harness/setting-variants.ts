// One non-default value for every setting, and the stack it applies to. The Record type makes a
// new setting without a variant a compile error: no setting can be added without a test that
// renders it (test/program/settings-wiring.test.ts).
import { SettingKey } from "../config";
import { TEST_KUBECONFIG, stackConfig } from "./stack-files";
import { runProgram, ProgramRun } from "./mocks";

export interface Variant {
  stack: string;
  /** Settings of both renders (a setting that only matters together with another). */
  base?: Record<string, string | undefined>;
  /** The change under test. */
  set: Record<string, string | undefined>;
  /** Keys set with --secret. */
  secret?: string[];
}

export const SETTING_VARIANTS: Record<SettingKey, Variant> = {
  clusterMode: { stack: "dev", set: { clusterMode: "render", renderYamlTo: "out", storageProvisioner: "rancher.io/local-path" } },
  clusterName: { stack: "dev", set: { clusterName: "laptop" } },
  workers: { stack: "dev", set: { workers: "5" } },
  nodeImage: { stack: "dev", set: { nodeImage: "kindest/node:v1.35.5" } },
  kindCreateTimeoutSeconds: { stack: "dev", set: { kindCreateTimeoutSeconds: "900" } },
  kubeconfig: { stack: "prod", set: { kubeconfig: TEST_KUBECONFIG.replace("https://prod.example:6443", "https://prod-2.example:6443") } },
  kubeContext: { stack: "prod", set: { kubeContext: "staging" } },
  renderYamlTo: { stack: "render", set: { renderYamlTo: "elsewhere" } },
  // With backups: the backup claim is on the stack's class too.
  storageClassName: { stack: "dev", base: { backupSchedule: "0 3 * * *" }, set: { storageClassName: "fast-local" } },
  storageProvisioner: { stack: "dev", set: { storageProvisioner: "example.com/csi" } },
  storageReclaimPolicy: { stack: "dev", set: { storageReclaimPolicy: "Delete" } },
  storageAllowVolumeExpansion: { stack: "dev", base: { backupSchedule: "0 3 * * *" }, set: { storageAllowVolumeExpansion: "true" } },
  exposeOnHost: { stack: "dev", set: { exposeOnHost: "true" } },
  hostPort: { stack: "dev", base: { exposeOnHost: "true" }, set: { hostPort: "12181" } },
  networkPolicy: { stack: "dev", set: { networkPolicy: "false" } },
  clientAccess: { stack: "dev", set: { clientAccess: "namespace" } },
  clientPodLabel: {
    stack: "dev",
    base: { clientAccess: "labelled", clientPodLabel: "zk-client=true" },
    set: { clientPodLabel: "team=orders" },
  },
  // rollOrder ordinal: the variants change tls alone, without the roll Job's own changes (leader-last
  // with tls: test/program/tls-jobs.test.ts).
  tls: { stack: "dev", base: { rollOrder: "ordinal" }, set: { tls: "on" } },
  tlsSecretName: { stack: "dev", base: { tls: "on", rollOrder: "ordinal" }, set: { tlsSecretName: "zk-certs" } },
  clientAuth: { stack: "dev", set: { clientAuth: "digest", clientUsers: "app:app-password-1" }, secret: ["clientUsers"] },
  clientUsers: {
    stack: "dev",
    base: { clientAuth: "digest", clientUsers: "app:app-password-1" },
    set: { clientUsers: "app:app-password-2" },
    secret: ["clientUsers"],
  },
  tenants: {
    stack: "dev",
    base: { clientAuth: "digest", clientUsers: "app:app-password-1" },
    set: { tenants: '[{"name":"kafka","quota":{"nodes":1000}},{"name":"solr","chroot":"/apps/solr"}]' },
    secret: ["clientUsers"],
  },
  metrics: { stack: "dev", set: { metrics: "false" } },
  metricsAccessNamespace: { stack: "dev", set: { metricsAccessNamespace: "monitoring" } },
  podMonitor: { stack: "dev", set: { podMonitor: "true" } },
  podMonitorLabel: { stack: "dev", base: { podMonitor: "true" }, set: { podMonitorLabel: "release=kube-prometheus-stack" } },
  backupSchedule: { stack: "dev", set: { backupSchedule: "0 3 * * *" } },
  backupRetain: { stack: "dev", base: { backupSchedule: "0 3 * * *" }, set: { backupRetain: "30" } },
  backupStorageSize: {
    stack: "dev",
    base: { backupSchedule: "0 3 * * *", storageAllowVolumeExpansion: "true" },
    set: { backupStorageSize: "20Gi" },
  },
  zoneSpread: { stack: "dev", set: { zoneSpread: "preferred" } },
  replicas: { stack: "dev", base: { workers: "4" }, set: { replicas: "5" } },
  membership: { stack: "dev", set: { membership: "dynamic" } },
  rollOrder: { stack: "dev", set: { rollOrder: "ordinal" } },
  heap: { stack: "dev", set: { heap: "2g" } },
  memory: { stack: "dev", set: { memory: "3Gi" } },
  cpu: { stack: "dev", set: { cpu: "1500m" } },
  antiAffinity: { stack: "dev", set: { antiAffinity: "preferred" } },
  pdbMaxUnavailable: { stack: "dev", set: { pdbMaxUnavailable: "0" } },
  pdbMinAvailable: { stack: "dev", set: { pdbMinAvailable: "3" } },
  storageSize: { stack: "dev", set: { storageSize: "20Gi" } },
  startupTimeoutSeconds: { stack: "dev", set: { startupTimeoutSeconds: "1800" } },
  namespace: { stack: "dev", set: { namespace: "coordination" } },
  namePrefix: { stack: "dev", set: { namePrefix: "orders-" } },
  image: { stack: "dev", set: { image: "registry.example/zookeeper:3.9.6" } },
  clusterDomain: { stack: "dev", set: { clusterDomain: "corp.internal" } },
  timing: { stack: "dev", set: { timing: "tutorial" } },
  tickTime: { stack: "dev", set: { tickTime: "1500" } },
  initLimit: { stack: "dev", set: { initLimit: "30" } },
  syncLimit: { stack: "dev", set: { syncLimit: "3" } },
  maxClientCnxns: { stack: "dev", set: { maxClientCnxns: "0" } },
  minSessionTimeout: { stack: "dev", set: { minSessionTimeout: "6000" } },
  maxSessionTimeout: { stack: "dev", set: { maxSessionTimeout: "60000" } },
  snapRetainCount: { stack: "dev", set: { snapRetainCount: "5" } },
  purgeInterval: { stack: "dev", set: { purgeInterval: "0" } },
};

const runs = new Map<string, ProgramRun>();

/**
 * The program run before and after a variant's change. Runs are shared by configuration: most
 * variants start from the same stack, and two suites render every variant (the program is
 * deterministic under mocks, and the suites only read what it registered).
 */
export async function variantRuns(variant: Variant): Promise<[ProgramRun, ProgramRun]> {
  // One at a time: the mocks are global to the process.
  const run = async (config: Record<string, string>) => {
    const key = JSON.stringify([variant.stack, config, variant.secret ?? []]);
    if (!runs.has(key)) runs.set(key, await runProgram(variant.stack, config, variant.secret));
    return runs.get(key)!;
  };
  const before = await run(stackConfig(variant.stack, variant.base));
  return [before, await run(stackConfig(variant.stack, { ...variant.base, ...variant.set }))];
}
