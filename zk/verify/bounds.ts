// How long verify waits for anything. node-zookeeper-client has no read timeout of its own, and a
// server that is stopped or cut off accepts connections without ever answering (FIELD-NOTES:
// "Real partitions"), so each wait has a bound and the slowest server costs at most these.
export const BOUNDS = {
  /** One four-letter word: connect, ask, read the answer. */
  fourLetterMs: 4000,
  /** A ZooKeeper session's handshake. */
  connectMs: 5000,
  /** One ZooKeeper request (create, get, delete). */
  requestMs: 5000,
  /** How long a written znode may take to become visible on another server. */
  visibleMs: 5000,
  /** One Kubernetes API request. */
  kubeApiMs: 15000,
  /** Reading the stack's outputs through the Pulumi CLI (a Pulumi Cloud backend is a network call). */
  stackOutputsMs: 60000,
  /** The whole run: a guard above the sum of the bounds above, should one of them not hold. */
  totalMs: 180000,
};

export type Bounds = typeof BOUNDS;
