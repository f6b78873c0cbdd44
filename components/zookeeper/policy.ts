import { ResolvedEnsemble } from "./options";
import { ensembleLabels, podSelector } from "./labels";
import { MANAGED_BY } from "../managed-by";

/** The namespace, enforcing the Pod Security Standard `restricted` that the pods are built to pass. */
export function renderNamespace(s: ResolvedEnsemble) {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: s.namespace,
      labels: {
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
      },
    },
  };
}

/** The PodDisruptionBudget, or undefined when the settings call for none (a single server). */
export function renderDisruptionBudget(s: ResolvedEnsemble) {
  if (!s.disruptionBudget) return undefined;
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: s.names.disruptionBudget, namespace: s.namespace, labels: ensembleLabels(s.names) },
    spec: { selector: { matchLabels: podSelector(s.names) }, ...s.disruptionBudget },
  };
}
