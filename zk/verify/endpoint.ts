// A server as the checks see it: a label for the table and a TCP address that reaches its client
// port: the address given with --servers, or the local end of a tunnel to a pod.

export interface Endpoint {
  /** host:port, or the pod's name. */
  label: string;
  host?: string;
  port?: number;
  /** Why there is no address to try (e.g. the pod is not running); set instead of host and port. */
  unavailable?: string;
  /** A tunnel's last failure, which explains a connection that closed unanswered. */
  tunnelError?: () => string | undefined;
}

/** The next command to run about a server, in the terms of how verify reached it. */
export interface NextCommands {
  /** Ask a server a four-letter word by hand. */
  ask(e: Endpoint, word: string): string;
  /** Find out why a server is down or does not serve. */
  why(e: Endpoint): string;
}

/**
 * A four-letter word asked with node, bounded to 3 s: verify runs on node, so it is there, where nc
 * is missing from many machines (and from the project's image).
 */
export function askWithNode(host: string | undefined, port: number | undefined, word: string): string {
  return `node -e "net.connect(${port},'${host}',function(){this.end('${word}')}).setTimeout(3000,function(){this.destroy()}).pipe(process.stdout)"`;
}

export const fourLetterByHand: NextCommands = {
  ask: (e, word) => askWithNode(e.host, e.port, word),
  // Without a cluster verify knows no log to point at; the server's own answer is the next step.
  why: (e) => askWithNode(e.host, e.port, "srvr"),
};

export function connectionString(e: Endpoint): string {
  return `${e.host}:${e.port}`;
}
