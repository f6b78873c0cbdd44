import { createHash } from "crypto";
import { EnsembleSettings, DATA_PATHS } from "./settings";
import { renderZooCfg } from "./zoocfg";
import { renderStartScript, renderProbeScript, START_SCRIPT, PROBE_SCRIPT } from "./scripts";
import { serverFqdns } from "./names";
import { ensembleLabels } from "./labels";

/** The files every server reads: zoo.cfg and the scripts, keyed by file name. */
export function renderConfigFiles(s: EnsembleSettings): Record<string, string> {
  return {
    "zoo.cfg": renderZooCfg({
      serverFqdns: serverFqdns(s.names, s.namespace, s.clusterDomain, s.replicas),
      tunables: s.zookeeper,
      dataDir: DATA_PATHS.dataDir,
      dataLogDir: DATA_PATHS.dataLogDir,
    }),
    [START_SCRIPT]: renderStartScript(),
    [PROBE_SCRIPT]: renderProbeScript(),
  };
}

/** A digest of the files; as a pod-template annotation it makes any change roll the servers. */
export function configHash(files: Record<string, string>): string {
  const h = createHash("sha256");
  for (const name of Object.keys(files).sort()) h.update(name).update("\0").update(files[name]).update("\0");
  return h.digest("hex").slice(0, 16);
}

export function renderConfigMap(s: EnsembleSettings, files: Record<string, string>) {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: s.names.configMap, namespace: s.namespace, labels: ensembleLabels(s.names) },
    data: files,
  };
}
