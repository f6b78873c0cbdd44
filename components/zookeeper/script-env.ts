// The pod scripts' inputs (scripts/*.sh), in one table: the StatefulSet sets them as the container's
// environment, and the probes, which the kubelet runs in the container, get the same. The scripts
// read nothing else but zoo.cfg, which says which features are on (TLS, SASL, dynamic membership).
import { PORTS, ResolvedEnsemble } from "./options";
import { CLIENT_AUTH_PATHS } from "./client-auth";
import { MEMBERSHIP_PATHS } from "./membership";
import { TLS_PATHS } from "./tls";
import { clientEndpoint } from "./names";

/** Seconds a probe (and a joining server) waits for a server's answer; the kubelet's own probe timeout is longer. */
export const PROBE_ANSWER_TIMEOUT_SECONDS = 2;

/** Seconds the start script waits for this server's own name to resolve to the pod's address. */
const OWN_NAME_WAIT_SECONDS = 30;

/** How many rounds a server without a membership of its own asks the members, one second apart. */
const JOIN_ATTEMPTS = 3;

/** Seconds between zk-tls.sh's looks at the Secret. */
const TLS_WATCH_SECONDS = 30;

/** The scripts' environment for an ensemble, by variable name. */
export function scriptEnvironment(s: ResolvedEnsemble): Record<string, string> {
  return {
    ZK_CLIENT_PORT: String(PORTS.client),
    ZK_SERVER_PORT: String(PORTS.server),
    ZK_ELECTION_PORT: String(PORTS.leaderElection),
    ZK_ANSWER_TIMEOUT_SECONDS: String(PROBE_ANSWER_TIMEOUT_SECONDS),
    ZK_RESOLVE_WAIT_SECONDS: String(OWN_NAME_WAIT_SECONDS),
    ...(s.clientAuth || s.membership === "dynamic" ? { ZK_AUTH_DIR: CLIENT_AUTH_PATHS.mount, ZK_AUTH_FILE: CLIENT_AUTH_PATHS.file } : {}),
    ...(s.tls
      ? { ZK_TLS_SECRET_DIR: TLS_PATHS.secretMount, ZK_TLS_STORE_DIR: TLS_PATHS.storeDir, ZK_TLS_WATCH_SECONDS: String(TLS_WATCH_SECONDS) }
      : {}),
    ...(s.membership === "dynamic"
      ? {
          ZK_LIVE_CONF_DIR: MEMBERSHIP_PATHS.liveConfDir,
          ZK_SEED_FILE: `${MEMBERSHIP_PATHS.seedMount}/${MEMBERSHIP_PATHS.seedFile}`,
          // The plaintext port: joining servers ask with a four-letter word (membership rules out tls on).
          ZK_JOIN_ENDPOINTS: clientEndpoint(s.names, s.namespace, s.clusterDomain, PORTS.client),
          ZK_JOIN_ATTEMPTS: String(JOIN_ATTEMPTS),
          // Server N's quorum host is <statefulSet>-<N-1>.<this>.
          ZK_HEADLESS_DOMAIN: `${s.names.headlessService}.${s.namespace}.svc.${s.clusterDomain}`,
        }
      : {}),
  };
}
