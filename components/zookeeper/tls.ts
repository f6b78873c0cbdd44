// TLS for the quorum and the clients. The Secret (made by the component, or the user's, e.g. from
// cert-manager) holds tls.crt, tls.key (PKCS#8) and ca.crt; ZooKeeper's PEM keystore wants the key
// and the certificate in one file (apache/zookeeper release-3.9.5 PemReader/PEMFileLoader: one path
// for both), so zk-tls.sh joins them into an emptyDir. Its file watcher reloads on an event for the
// file's own name only (X509Util.newFileChangeWatcher), which a Secret volume's update (a swap of
// the `..data` symlink) never sends: zk-tls.sh watches the Secret and renames a rebuilt file into
// place, which does.
import { EnsembleNames } from "./names";
import type { TlsStage } from "./transitions";
import { readScript } from "./scripts";
import { SERVER_TLS_PROTOCOLS, JOB_CA_MOUNT, JOB_TLS_ENV, jobsDialTls } from "../../zk/facts/tls-client";
import { PORTS, PORT_NAMES } from "./ports";

/** How the ensemble gets its certificates: made by the component, or from a Secret of yours. */
export type EnsembleTls = { mode: "generated" } | { mode: "secret"; secretName: string };

export const TLS_PATHS = {
  /** The Secret's files: tls.crt, tls.key, ca.crt. */
  secretMount: "/etc/zookeeper-tls",
  /** Where zk-tls.sh writes keystore.pem and ca.pem for ZooKeeper (an emptyDir). */
  storeDir: "/tmp/zookeeper-tls",
} as const;

export const TLS_SCRIPT = "zk-tls.sh";

/**
 * The names the servers' certificate is valid for: every server through the headless Service (a
 * wildcard, so a change of replicas needs no new certificate) and the client Service by each name a
 * client in the cluster may use. Pod IPs are not among them: they change with every restart.
 */
export function certificateNames(names: EnsembleNames, namespace: string, clusterDomain: string): string[] {
  const cs = names.clientService;
  return [
    `*.${names.headlessService}.${namespace}.svc.${clusterDomain}`,
    `${cs}.${namespace}.svc.${clusterDomain}`,
    `${cs}.${namespace}.svc`,
    `${cs}.${namespace}`,
    cs,
  ];
}

/**
 * zoo.cfg lines for TLS. Each is written, defaults included, and each choice has its reason:
 * - the quorum authenticates both ways (clientAuth need) with the ensemble's CA, and the dialling
 *   server checks the peer's certificate against the peer's name (hostnameVerification); the
 *   accepting server does not (clientHostnameVerification false): it knows the peer only by an IP
 *   that is in no certificate, and would fall back to reverse DNS (CVE-2026-24281);
 * - reverse DNS is off for both, whatever the version's default (true for the quorum in 3.9.5);
 * - fips-mode false: 3.9's default (true) replaces ZooKeeper's trust manager, turning off quorum
 *   hostname verification, and disables DIGEST-MD5 (client authentication);
 * - clients authenticate the servers (their CA) but need no certificate of their own;
 * - TLS 1.3 and 1.2: 3.9's secure client port enables one protocol unless told (ClientX509Util);
 * - reload on: the watcher reloads keystore and truststore when zk-tls.sh renames them into place.
 */
export function tlsZooCfgLines(storeDir: string, stage: Exclude<TlsStage, "off"> = "on"): string[] {
  const keystore = `${storeDir}/keystore.pem`;
  const truststore = `${storeDir}/ca.pem`;
  const stores = (prefix: string) => [
    `${prefix}keyStore.location=${keystore}`,
    `${prefix}keyStore.type=PEM`,
    `${prefix}trustStore.location=${truststore}`,
    `${prefix}trustStore.type=PEM`,
    `${prefix}protocol=${SERVER_TLS_PROTOCOLS[0]}`,
    `${prefix}enabledProtocols=${SERVER_TLS_PROTOCOLS.join(",")}`,
    `${prefix}allowReverseDnsLookup=false`,
  ];
  return [
    "serverCnxnFactory=org.apache.zookeeper.server.NettyServerCnxnFactory",
    // The stages of turning TLS on without downtime (transitions.ts): dial TLS from prefer on, and
    // accept plaintext quorum connections too (portUnification) until on.
    `sslQuorum=${stage !== "accept"}`,
    `portUnification=${stage !== "on"}`,
    "sslQuorumReloadCertFiles=true",
    "client.certReload=true",
    "fips-mode=false",
    ...stores("ssl.quorum."),
    "ssl.quorum.clientAuth=need",
    "ssl.quorum.hostnameVerification=true",
    "ssl.quorum.clientHostnameVerification=false",
    ...stores("ssl."),
    "ssl.clientAuth=none",
    "ssl.hostnameVerification=true",
    "ssl.clientHostnameVerification=false",
  ];
}

/** zk-tls.sh (scripts/): `assemble` builds the stores from the Secret once; `watch` rebuilds them when it changes. */
export const renderTlsScript = () => readScript(TLS_SCRIPT);

/**
 * The oldest ZooKeeper whose quorum TLS works between pods: before 3.9.4 a server verifies the
 * certificate of a server dialling in against that dialler's address (or its reverse DNS name), and
 * pod IPs are in no certificate; 3.9.4 added ssl.quorum.clientHostnameVerification, which the
 * rendered zoo.cfg turns off (zookeeperAdmin.md at release-3.9.5: "New in 3.9.4"). Proven on 3.8.0
 * in test/servers/tls.test.ts: without the dialler's address in the certificate no quorum forms.
 */
export const MIN_TLS_VERSION = [3, 9, 4] as const;

/**
 * How the Jobs that talk to every server (the roll Job, the tenants Job) reach them at this TLS stage
 * (jobsDialTls: plaintext at off and accept, TLS at prefer and on, so that the servers of the stage
 * before and after answer too): the client port, its name (the NetworkPolicy's rule), and with TLS
 * the CA they trust, `ca.crt` alone from the ensemble's TLS Secret (an Output when the component makes
 * it), mounted read-only, and the environment naming it.
 */
export function jobsServerAccess<Name>(tlsStage: TlsStage, tlsSecretName: Name | undefined) {
  if (!jobsDialTls(tlsStage)) return { ...jobsServerPort(tlsStage), tls: undefined };
  if (tlsSecretName === undefined) throw new Error(`tls stage ${tlsStage} without a TLS Secret: the Jobs would have no CA to trust`);
  return {
    ...jobsServerPort(tlsStage),
    tls: {
      env: [{ name: JOB_TLS_ENV.caFile, value: `${JOB_CA_MOUNT.dir}/${JOB_CA_MOUNT.file}` }],
      volumes: [
        {
          volume: {
            name: "zookeeper-ca",
            secret: { secretName: tlsSecretName, items: [{ key: "ca.crt", path: JOB_CA_MOUNT.file }], defaultMode: 0o444 },
          },
          mountPath: JOB_CA_MOUNT.dir,
        },
      ],
    },
  };
}

/** The client port the Jobs dial at this stage, by number and by container port name (the NetworkPolicy's rule). */
export function jobsServerPort(tlsStage: TlsStage): { port: number; portName: string } {
  return jobsDialTls(tlsStage)
    ? { port: PORTS.secureClient, portName: PORT_NAMES.secureClient }
    : { port: PORTS.client, portName: PORT_NAMES.client };
}

/** What jobsServerAccess gives a Job with TLS: the CA's environment and volume. */
export type JobTls<Name> = NonNullable<ReturnType<typeof jobsServerAccess<Name>>["tls"]>;
