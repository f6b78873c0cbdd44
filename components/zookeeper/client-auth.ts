// Client authentication: SASL DIGEST-MD5 against users in a JAAS file, enforced for every session.
// Read at apache/zookeeper release-3.8.0-1 and release-3.9.5 (the same in both):
// - a zoo.cfg key ZooKeeper does not know becomes the system property zookeeper.<key>
//   (QuorumPeerConfig.parseProperties), so authProvider.sasl, enforce.auth.*, superUser go in zoo.cfg;
// - AuthenticationHelper closes any session that has not authenticated with an enforced scheme
//   (SESSIONCLOSEDREQUIRESASLAUTH) before it reads or writes anything; four-letter words (the probes)
//   are answered before any session and are not affected;
// - only sasl is enforced: the digest scheme authenticates any user:password pair it is sent (it
//   only derives an id from them), so enforcing it would let every client in;
// - ZooKeeperServer.isSaslSuperUser makes zookeeper.superUser's SASL user the super user (every
//   ACL passes), as whom the program's own tools (backups, verify) work;
// - the server reads the JAAS file once, at start (Login): a new file rolls the servers.
import { createHmac } from "crypto";
import type { ResolvedEnsemble } from "./options";
import { ADMIN_USER, type ClientUser } from "./users";
import { ensembleLabels } from "./labels";

export const CLIENT_AUTH_PATHS = {
  /** The JAAS Secret's mount; the start script passes the file to the JVM when it is there. */
  mount: "/etc/zookeeper-auth",
  file: "jaas.conf",
} as const;

/** JAAS option names are StreamTokenizer words: letters, digits and '_' only (sun.security.provider.ConfigFile). */
export const USER_NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/**
 * Printable ASCII without '"' and '\' (a quoted JAAS value reads them as its end or an escape), '$'
 * (JAAS expands ${...} in values), ',' (the list separator) and spaces.
 */
const PASSWORD = /^[!#%-+\--[\]-~]+$/;
export const MIN_PASSWORD_LENGTH = 12;

/**
 * What is wrong with a user list written `name:password,name:password`; undefined when nothing is.
 * Never quotes a password: the message may be printed.
 */
export function clientUsersProblem(value: string): string | undefined {
  const seen = new Set<string>();
  const pairs = value.split(",");
  for (const [i, pair] of pairs.entries()) {
    const which = `entry ${i + 1} of ${pairs.length}`;
    const user = splitPair(pair);
    if (user === undefined) return `${which} has no ':' between the user and the password`;
    const { name, password } = user;
    if (!USER_NAME.test(name)) return `${which}: the user name must be a letter followed by up to 63 letters, digits or '_'`;
    if (name === ADMIN_USER) return `${which}: ${ADMIN_USER} is the program's own super user`;
    if (seen.has(name)) return `${which}: user ${name} is listed twice`;
    seen.add(name);
    if (password.length < MIN_PASSWORD_LENGTH) return `${which}: user ${name}'s password is shorter than ${MIN_PASSWORD_LENGTH} characters`;
    if (!PASSWORD.test(password)) return `${which}: user ${name}'s password must be printable ASCII without '"', '\\', '$', ',' or spaces`;
  }
  return undefined;
}

/** The users of a valid list (see clientUsersProblem), or of none. */
export function parseClientUsers(value: string): ClientUser[] {
  // Empty: no users besides the tenants' (tenants need clientAuth, not clientUsers).
  return value === "" ? [] : value.split(",").map((pair) => splitPair(pair)!);
}

/** `name:password`, split at the first ':' (a password may hold more). */
function splitPair(pair: string): ClientUser | undefined {
  const at = pair.indexOf(":");
  return at < 0 ? undefined : { name: pair.slice(0, at), password: pair.slice(at + 1) };
}

/** The JAAS file: the `Server` section ZooKeeper's SASL login reads, one user_<name> per user. */
export function renderJaas(users: ClientUser[]): string {
  const options = users.map((u) => `  user_${u.name}="${u.password}"`);
  return `Server {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n${options.join("\n")};\n};\n`;
}

/**
 * zoo.cfg lines for SASL and the super user; with `enforce`, every session must authenticate.
 * Without it (dynamic membership with clientAuth none) only the program's own jobs log in, as the
 * super user: a reconfig needs it (ZooKeeperServer.checkACL on /zookeeper/config).
 */
export function saslZooCfgLines({ enforce }: { enforce: boolean }): string[] {
  return [
    "authProvider.sasl=org.apache.zookeeper.server.auth.SASLAuthenticationProvider",
    ...(enforce ? ["enforce.auth.enabled=true", "enforce.auth.schemes=sasl"] : []),
    `superUser=${ADMIN_USER}`,
  ];
}

/**
 * A name suffix for the JAAS Secret that changes when its content does and tells nothing about it:
 * an HMAC keyed with the admin password (a random secret), so the name can be shown in plain text.
 */
export function jaasDigest(jaas: string, key: string): string {
  return createHmac("sha256", key).update(jaas).digest("hex").slice(0, 16);
}

/** The admin Secret's key: the super user's password alone, for the in-cluster jobs (backup, membership). */
export const ADMIN_PASSWORD_KEY = "admin-password";

/**
 * The JAAS Secret: immutable and named by a keyed digest of its content, so a change of users makes a
 * new Secret and rolls the servers one at a time (the JVM reads the file at start only), while pods
 * not yet rolled keep the file they started with.
 */
export function renderAuthSecret(s: ResolvedEnsemble, users: ClientUser[], adminPassword: string) {
  const jaas = renderJaas([{ name: ADMIN_USER, password: adminPassword }, ...users]);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${s.names.authSecret}-${jaasDigest(jaas, adminPassword)}`, namespace: s.namespace, labels: ensembleLabels(s.names) },
    type: "Opaque",
    immutable: true,
    stringData: { [CLIENT_AUTH_PATHS.file]: jaas },
  };
}

/**
 * The super user's password for the in-cluster jobs, under a fixed name: the password is made once
 * and never changes, so neither does this Secret, and a Job whose template names it is not replaced
 * (pulumi-kubernetes replaces a Job whose spec.template changes) when the users change.
 */
export function renderAdminSecret(s: ResolvedEnsemble, adminPassword: string) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: s.names.adminSecret, namespace: s.namespace, labels: ensembleLabels(s.names) },
    type: "Opaque",
    immutable: true,
    stringData: { [ADMIN_PASSWORD_KEY]: adminPassword },
  };
}
