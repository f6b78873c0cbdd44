// Who manages the objects this program makes, as every one of them says it: the recommended
// `app.kubernetes.io/managed-by` label (kubernetes.io/docs/concepts/overview/working-with-objects/common-labels)
// and the organization of the certificates it issues.

/** The value of `app.kubernetes.io/managed-by` on every object, and the certificates' organization. */
export const MANAGED_BY = "kind-zookeeper";
