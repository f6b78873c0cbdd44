// What Pod Security `restricted` asks of every pod this program runs (the ZooKeeper servers, the
// backup job): non-root with an explicit UID, the runtime's seccomp profile, no privilege
// escalation, no capabilities; plus a read-only root filesystem, which `restricted` does not require.
// kubernetes.io/docs/concepts/security/pod-security-standards ("Restricted").

/** The pod's securityContext: runs as `uid`, and its volumes are group-writable by it. */
export function restrictedPodSecurity(uid: number) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    // Not a recursive chown of the whole volume (a server's data, every kept backup) at each start.
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** Each container's securityContext. */
export function restrictedContainerSecurity() {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}
