import { EnsembleNames } from "./names";
import { MANAGED_BY } from "../managed-by";

/** The selector of the ensemble's pods: the tutorial's `app: zk` (with the name prefix, if any). */
export function podSelector(names: EnsembleNames): Record<string, string> {
  return { app: names.appLabel };
}

/** Labels on every object: the selector plus the recommended app.kubernetes.io labels. */
export function ensembleLabels(names: EnsembleNames): Record<string, string> {
  return {
    ...podSelector(names),
    "app.kubernetes.io/name": "zookeeper",
    "app.kubernetes.io/instance": names.statefulSet,
    "app.kubernetes.io/managed-by": MANAGED_BY,
  };
}

/** A selector in the API's query form: app=zk. */
export function labelSelectorQuery(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}
