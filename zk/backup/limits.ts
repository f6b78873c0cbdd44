// How big a request the server takes. A server reads a request's 4-byte length first and drops the
// connection when it exceeds jute.maxbuffer (default 0xfffff = 1048575 bytes): no error code, the
// client sees CONNECTION_LOSS for it and for every request in flight. Measured here on 3.8.0 (both
// through the leader and through a follower): with the open ACL, a create of "/bleader1048513"
// with 1048513 bytes of data is accepted and one byte more is refused, which is exactly a request
// of 1048575 bytes by the sum below. So "1 MB of data" is 1 MiB minus 1, minus the path, the ACL
// (27 bytes for world:anyone) and 20 bytes of framing.
import { AclEntry } from "../zk-client";

export const DEFAULT_JUTE_MAXBUFFER = 0xfffff;

const INT = 4;
const HEADER = 2 * INT; // xid, type
const utf8 = (text: string) => Buffer.byteLength(text, "utf8");

/** Bytes after the length prefix of a create request (RequestHeader + CreateRequest). */
export function createRequestBytes(path: string, dataLength: number, acl: AclEntry[]): number {
  const aclBytes = INT + acl.reduce((sum, a) => sum + INT + INT + utf8(a.scheme) + INT + utf8(a.id), 0);
  return HEADER + INT + utf8(path) + INT + dataLength + aclBytes + INT;
}

/** The most data a create of `path` with `acl` can carry under the default jute.maxbuffer. */
export function maxCreateData(path: string, acl: AclEntry[]): number {
  return DEFAULT_JUTE_MAXBUFFER - createRequestBytes(path, 0, acl);
}
