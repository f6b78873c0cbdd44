// ACLs as the restore has to reason about them: which of our identities an ACL grants what, and the
// temporary ACL a node gets while its children are being created.
//
// Digest ACLs are restored as they were read (`digest:user:<base64 SHA-1 of "user:password">`): the
// server stores only that hash, so restoring it verbatim keeps the same user and password working.
import * as crypto from "crypto";
import { AclEntry, Credential } from "../zk-client";

export const PERMS = { read: 1, write: 2, create: 4, delete: 8, admin: 16, all: 31 } as const;

export const OPEN_ACL: AclEntry[] = [{ perms: PERMS.all, scheme: "world", id: "anyone" }];

export interface Identity {
  scheme: string;
  id: string;
}

/** The id the server derives from digest credentials (DigestAuthenticationProvider.generateDigest). */
export function digestId(user: string, password: string): string {
  return `${user}:${crypto.createHash("sha1").update(`${user}:${password}`).digest("base64")}`;
}

/**
 * The identities a session with these credentials surely has: everyone's, and each digest user's.
 * (An ip ACL may match too, but which address the server sees is not known here; treating it as
 * not granted only costs a temporary ACL. The super user is not known either, for the same price.)
 */
export function identitiesOf(credentials: Credential[]): Identity[] {
  const ids: Identity[] = [{ scheme: "world", id: "anyone" }];
  for (const c of credentials) {
    if (c.scheme !== "digest") continue;
    const cut = c.auth.indexOf(":");
    ids.push({ scheme: "digest", id: digestId(c.auth.slice(0, cut), c.auth.slice(cut + 1)) });
  }
  return ids;
}

/** Whether the ACL grants every bit of `perms` to one of the identities (each bit may come from another entry, as the server checks). */
export function grants(acl: AclEntry[], identities: Identity[], perms: number): boolean {
  let granted = 0;
  for (const entry of acl) {
    if (identities.some((i) => i.scheme === entry.scheme && i.id === entry.id)) granted |= entry.perms;
  }
  return (granted & perms) === perms;
}

/**
 * What a node gets while its children are created under it, when its own ACL would not let us:
 * all permissions for our first digest identity, or for everyone when we have none (then the node
 * is open for the moment between its creation and its final ACL; the report lists any node a
 * failed restore leaves that way).
 */
export function temporaryAcl(identities: Identity[]): AclEntry[] {
  const digest = identities.find((i) => i.scheme === "digest");
  return digest ? [{ perms: PERMS.all, ...digest }] : OPEN_ACL;
}

export function sameAcl(a: AclEntry[], b: AclEntry[]): boolean {
  const key = (e: AclEntry) => `${e.perms}|${e.scheme}|${e.id}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
}

/**
 * `--auth digest:user:password`, as zkCli's `addauth digest user:password` takes it. Digest only:
 * it is the scheme identitiesOf reasons about, and a value without it (`alice:secret`) would go to
 * the servers as a scheme named `alice` and fail there as AUTH_FAILED, after the connection. The
 * messages never repeat the value: it holds a password.
 */
export function parseAuth(text: string): Credential | string {
  const expected = "--auth takes digest:user:password";
  const hidden = "not shown: it holds a password";
  if (!text.startsWith("digest:")) return `${expected}; the value given does not start with "digest:" (${hidden})`;
  const auth = text.slice("digest:".length);
  const cut = auth.indexOf(":");
  if (cut < 0) return `${expected}; the value given has no ":" between user and password (${hidden})`;
  if (cut === 0) return `${expected}; the value given has no user before the password (${hidden})`;
  return { scheme: "digest", auth };
}
