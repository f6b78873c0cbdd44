import { createHash } from "crypto";
import { ResolvedEnsemble, DATA_PATHS } from "./options";
import { renderZooCfg } from "./zoocfg";
import { renderStartScript, renderProbeScript, START_SCRIPT, PROBE_SCRIPT } from "./scripts";
import { renderTlsScript, TLS_SCRIPT, TLS_PATHS } from "./tls";
import { serverFqdns } from "./names";
import { ensembleLabels } from "./labels";

/**
 * The files every server reads: zoo.cfg and the scripts, keyed by file name. With dynamic membership
 * nothing here depends on `replicas` (the members are in the seed ConfigMap and on the data volumes),
 * so a resize changes no ConfigMap and rolls no server.
 */
export function renderConfigFiles(s: ResolvedEnsemble): Record<string, string> {
  return {
    "zoo.cfg": renderZooCfg({
      serverFqdns: serverFqdns(s.names, s.namespace, s.clusterDomain, s.replicas),
      tunables: s.zookeeper,
      dataDir: DATA_PATHS.dataDir,
      dataLogDir: DATA_PATHS.dataLogDir,
      tls: s.tls ? { storeDir: TLS_PATHS.storeDir, stage: s.tlsStage === "off" ? undefined : s.tlsStage } : undefined,
      clientAuth: s.clientAuth,
      metrics: s.metrics,
      membership: s.membership,
      tenants: (s.tenants?.length ?? 0) > 0,
    }),
    [START_SCRIPT]: renderStartScript(),
    [PROBE_SCRIPT]: renderProbeScript(),
    ...(s.tls ? { [TLS_SCRIPT]: renderTlsScript() } : {}),
  };
}

/** A digest of the files, part of the ConfigMap's name. */
function configHash(files: Record<string, string>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(files).sort()) h.update(name).update("\0").update(files[name]).update("\0");
  return h.digest("hex").slice(0, 16);
}

/**
 * One immutable ConfigMap per content, named by its digest (zk-config-<hash>). A change makes a new
 * ConfigMap, and the StatefulSet's reference to it rolls the servers one at a time; servers not yet
 * rolled keep the files they started with, and the old ConfigMap goes once the roll is done.
 * (A ConfigMap changed in place would hand new files to old pods that restart mid-roll.)
 */
export function renderConfigMap(s: ResolvedEnsemble, files: Record<string, string>) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: `${s.names.configMap}-${configHash(files)}`, namespace: s.namespace, labels: ensembleLabels(s.names) },
    immutable: true,
    data: files,
  };
}
