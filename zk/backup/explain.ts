// What a failure means for the user and what to do about it, in one line.
import { ZkError, ZkTimeout } from "../zk-client";

export function explain(e: unknown): string {
  if (e instanceof ZkError) {
    switch (e.code) {
      case "NO_AUTH":
        return (
          `${e.op} ${e.path}: not allowed by the znode's ACL; pass --auth with credentials it grants, or the super user's ` +
          "(digest:super:<password>, with zookeeper.DigestAuthenticationProvider.superDigest set on the servers)"
        );
      case "INVALID_ACL":
        return `${e.op} ${e.path}: the target refuses the znode's ACL (INVALID_ACL): its scheme is not enabled on the target servers (sasl or x509 need the matching authProvider)`;
      case "CONNECTION_LOSS":
        return `${e.op} ${e.path}: the connection was lost (a server also drops it for a request larger than its jute.maxbuffer)`;
      case "SESSION_EXPIRED":
        return `${e.op} ${e.path}: the session expired (the servers were unreachable for longer than the session timeout)`;
      case "AUTH_FAILED":
        if (e.op === "sasl") {
          return `SASL authentication as ${e.path} refused: the servers do not take the password of the stack's adminPassword output (has the stack been updated since it changed?)`;
        }
        return `${e.op} ${e.path}: ZooKeeper answered AUTH_FAILED`;
      case "NO_CHILDREN_FOR_EPHEMERALS":
        return `${e.op} ${e.path}: its parent is an ephemeral znode in the target, which cannot have children`;
      case "NO_NODE":
        return `${e.op} ${e.path}: its parent does not exist in the target (deleted meanwhile, or an empty container the server removed)`;
      default:
        return `${e.op} ${e.path}: ZooKeeper answered ${e.code}`;
    }
  }
  if (e instanceof ZkTimeout) return `${e.message} (is the ensemble overloaded or without a quorum? --timeout sets the bound)`;
  return e instanceof Error ? e.message : String(e);
}
