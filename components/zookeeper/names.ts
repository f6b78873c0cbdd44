// The tutorial's names (zk, zk-hs, zk-cs, zk-pdb, label app=zk) are the defaults so that every
// kubectl command in it works against what we deploy; a prefix keeps several ensembles apart.

export interface EnsembleNames {
  statefulSet: string;
  headlessService: string;
  clientService: string;
  disruptionBudget: string;
  networkPolicy: string;
  /** Prefix of the TLS Secret's name when the component makes it; its certificate's digest follows. */
  tlsSecret: string;
  /** Prefix of the client authentication (JAAS) Secret's name; a keyed digest of its content follows. */
  authSecret: string;
  /**
   * The super user's password alone, under a name that never changes: the in-cluster jobs read it
   * from here, so a change of users (a new JAAS Secret name) changes no Job template.
   */
  adminSecret: string;
  /** Prefix of the ConfigMap's name; the content's digest follows it (zk-config-<hash>). */
  configMap: string;
  /** With dynamic membership: the ConfigMap of the seed member list (mutable, not part of any pod template). */
  seedConfigMap: string;
  /** With dynamic membership: prefix of the membership Jobs and their code's ConfigMap. */
  membershipJob: string;
  /** Value of the `app` label every pod of the ensemble carries, and every selector matches. */
  appLabel: string;
}

export function ensembleNames(namePrefix = ""): EnsembleNames {
  const base = `${namePrefix}zk`;
  return {
    statefulSet: base,
    headlessService: `${base}-hs`,
    clientService: `${base}-cs`,
    disruptionBudget: `${base}-pdb`,
    networkPolicy: `${base}-np`,
    tlsSecret: `${base}-tls`,
    authSecret: `${base}-auth`,
    adminSecret: `${base}-admin`,
    configMap: `${base}-config`,
    seedConfigMap: `${base}-members`,
    membershipJob: `${base}-membership`,
    appLabel: base,
  };
}

/** Pod hostnames, in ordinal order: zk-0, zk-1, ... */
export function serverHostnames(names: EnsembleNames, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, ordinal) => `${names.statefulSet}-${ordinal}`);
}

/** The stable DNS name of each server, through the headless Service. */
export function serverFqdns(names: EnsembleNames, namespace: string, clusterDomain: string, replicas: number): string[] {
  return serverHostnames(names, replicas).map((host) => `${host}.${names.headlessService}.${namespace}.svc.${clusterDomain}`);
}

export function clientEndpoint(names: EnsembleNames, namespace: string, clusterDomain: string, clientPort: number): string {
  return `${names.clientService}.${namespace}.svc.${clusterDomain}:${clientPort}`;
}

/** The connection string a ZooKeeper client takes: every server's host:port, comma-separated. */
export function connectionString(fqdns: string[], clientPort: number): string {
  return fqdns.map((fqdn) => `${fqdn}:${clientPort}`).join(",");
}
