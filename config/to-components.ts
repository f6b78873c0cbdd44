// The one adapter from the stack's settings to the components' arguments: index.ts builds the
// components from what this returns, and the stack's rules (rules.ts) name an ensemble argument by
// the setting that feeds it (SETTING_OF_ENSEMBLE_ARGUMENT). A setting named like an ensemble
// argument, with a value the argument takes as it is, needs no line here.
import * as pulumi from "@pulumi/pulumi";
import { defaultClusterName, storageProvisioner, pinnedKubeconfig, clientAccessOf, labelOf, HOST_ACCESS_NODE_PORT } from "./derived";
import { STACK_KIND_ADVICE, STACK_MONITORING_ADVICE } from "./advice";
import { SettingKey, StackConfig } from "./settings";
import type { TargetClusterArgs } from "../components/cluster";
import { CONTROL_PLANE_TAINT } from "../components/kind";
import type { ZooKeeperStorageArgs } from "../components/storage";
import type { ZooKeeperEnsembleArgs } from "../components/zookeeper";
import type { ScheduledBackupArgs } from "../components/backup";
import { ENSEMBLE_DEFAULTS, EnsembleOptions, RuleInputs, TUNABLE_NAMES, ZooKeeperTunables } from "../components/zookeeper/options";
import { parseClientUsers } from "../components/zookeeper/client-auth";

/** Every component's arguments, as the stack's settings make them; what comes from another component is left to index.ts. */
export interface StackComponents {
  cluster: TargetClusterArgs;
  storage: ZooKeeperStorageArgs;
  ensemble: Omit<ZooKeeperEnsembleArgs, "clusterAccess">;
  /** With backupSchedule. */
  backup?: Omit<ScheduledBackupArgs, "ensemble">;
  /** With exposeOnHost: the host's address of the client port (the hostEndpoint output). */
  hostEndpoint?: string;
}

/**
 * The ensemble arguments that settings feed under another name, and which setting: errors about
 * such an argument name the setting. An argument a setting of the same name feeds is not listed.
 */
export const SETTING_OF_ENSEMBLE_ARGUMENT = {
  tlsStage: "tls",
  monitoring: "podMonitor",
} as const satisfies Partial<Record<keyof RuleInputs, SettingKey>>;

type Shared = SettingKey & keyof EnsembleOptions;
/** Ensemble arguments a setting of the same name feeds as it is. */
type PassedOn = { [K in Shared]: StackConfig[K] extends EnsembleOptions[K] ? K : never }[Shared];
/** Arguments named like a setting whose value they cannot take as it is: the adapter must give each. */
type Reshaped = Exclude<Shared, PassedOn>;

/** Every component's arguments from the stack's settings (the settings have passed their rules). */
export function toComponents(config: StackConfig, stack = { project: pulumi.getProject(), name: pulumi.getStack() }): StackComponents {
  const onKind = config.clusterMode === "kind";
  const hostAccess = onKind && config.exposeOnHost;
  // Rendered manifests are applied by someone else, and a claim patch is no manifest to apply.
  const expandVolumes = config.storageAllowVolumeExpansion && config.clusterMode !== "render";
  return {
    cluster:
      config.clusterMode === "kind"
        ? {
            mode: "kind",
            kind: {
              clusterName: config.clusterName ?? defaultClusterName(stack.project, stack.name),
              workers: config.workers,
              nodeImage: config.nodeImage,
              createTimeoutSeconds: config.kindCreateTimeoutSeconds,
              advice: STACK_KIND_ADVICE,
              portMappings: hostAccess
                ? [{ containerPort: HOST_ACCESS_NODE_PORT, hostPort: config.hostPort, listenAddress: "127.0.0.1" }]
                : undefined,
            },
          }
        : config.clusterMode === "existing"
          ? { mode: "existing", kubeconfig: pinnedKubeconfig(config) }
          : { mode: "render", directory: config.renderYamlTo! },
    storage: {
      name: config.storageClassName,
      provisioner: storageProvisioner(config),
      reclaimPolicy: config.storageReclaimPolicy,
      allowVolumeExpansion: config.storageAllowVolumeExpansion,
    },
    ensemble: ensembleArgs(config, {
      // kind taints its control plane when it has workers; tolerating that taint gives the tutorial's
      // four schedulable nodes without patching kubeadm (README: "Four schedulable nodes").
      tolerations: onKind && config.workers > 0 ? [{ ...CONTROL_PLANE_TAINT, operator: "Exists" }] : [],
      clientNodePort: hostAccess ? HOST_ACCESS_NODE_PORT : undefined,
      deleteUnreachable: onKind,
      expandVolumes,
      startupSeconds: config.startupTimeoutSeconds,
      clientAccess: clientAccessOf(config),
      tls:
        config.tls === "off"
          ? undefined
          : config.tlsSecretName !== undefined
            ? { mode: "secret", secretName: config.tlsSecretName }
            : { mode: "generated" },
      tlsStage: config.tls === "off" ? undefined : config.tls,
      // In memory only as plain text: the state and the Secret get them as secrets.
      clientAuth: config.clientAuth === "digest" ? { users: pulumi.secret(parseClientUsers(config.clientUsers ?? "")) } : undefined,
      monitoring: config.podMonitor ? { labels: labelOf(config.podMonitorLabel), advice: STACK_MONITORING_ADVICE } : undefined,
    }),
    backup:
      config.backupSchedule === undefined
        ? undefined
        : {
            schedule: config.backupSchedule,
            retain: config.backupRetain,
            storageSize: config.backupStorageSize,
            storageClassName: config.storageClassName,
            expandVolume: expandVolumes,
          },
    hostEndpoint: hostAccess ? `127.0.0.1:${config.hostPort}` : undefined,
  };
}

/**
 * The ensemble's arguments: every setting named like one of them, as it is, the zoo.cfg tunables
 * under `zookeeper`, and then `reshaped`, which must give each argument a setting of its name
 * cannot feed as it is.
 */
function ensembleArgs(
  config: StackConfig,
  reshaped: Partial<Omit<ZooKeeperEnsembleArgs, "clusterAccess" | PassedOn>> & Record<Reshaped, unknown>,
): StackComponents["ensemble"] {
  const same = Object.keys(ENSEMBLE_DEFAULTS).filter((key) => key in config && !(key in reshaped));
  const passedOn = Object.fromEntries(same.map((key) => [key, config[key as SettingKey]])) as Pick<StackConfig, PassedOn>;
  const zookeeper = Object.fromEntries(TUNABLE_NAMES.map((key) => [key, config[key]])) as Partial<ZooKeeperTunables>;
  return { ...passedOn, zookeeper, ...reshaped };
}
