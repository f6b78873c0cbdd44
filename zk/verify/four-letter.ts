// ZooKeeper's four-letter words over a raw TCP socket, every wait bounded: a server that accepts
// and never answers (a stopped JVM, a cut-off node, something that is not ZooKeeper) costs at most
// `ms`, never a hang.
import { dialServer, TlsDial } from "../tls-dial";

export type NoAnswer = "refused" | "unreachable" | "silent" | "closed";

export type FourLetterResult = { text: string } | { error: NoAnswer; message: string };

/**
 * After the first bytes, an answer that pauses this long is taken as complete. ZooKeeper closes the
 * connection after answering, but a tunnel (kubectl-style port-forward) may not pass the close on.
 */
const IDLE_AFTER_DATA_MS = 500;

/**
 * Asks `word` at `host:port`. With `tls` over TLS (a server's secure client port answers the
 * whitelisted words too: NettyServerCnxn.receiveMessage checks for one after the SslHandler, on any
 * connection not yet initialized, apache/zookeeper release-3.9.5), verifying `tls.servername`
 * (default: `host`) against the server's certificate.
 */
export function fourLetterWord(
  host: string,
  port: number,
  word: string,
  ms: number,
  tls?: TlsDial & { servername?: string },
): Promise<FourLetterResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let connected = false;
    let settled = false;
    let idle: NodeJS.Timeout | undefined;
    const { socket, ready } = dialServer(host, port, { tls, servername: tls?.servername });
    const finish = (result?: { error: NoAnswer; message: string }) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(idle);
      socket.destroy();
      const text = Buffer.concat(chunks).toString();
      if (text) resolve({ text });
      else if (result) resolve(result);
      else resolve({ error: "closed", message: "closed the connection without an answer" });
    };
    const deadline = setTimeout(
      () =>
        finish(
          connected
            ? { error: "silent", message: `accepted the connection but did not answer '${word}' within ${ms} ms` }
            : { error: "unreachable", message: `no connection within ${ms} ms` },
        ),
      ms,
    );
    socket.on("connect", () => (connected = true));
    socket.on(ready, () => socket.write(word));
    socket.on("data", (d) => {
      chunks.push(d);
      clearTimeout(idle);
      idle = setTimeout(() => finish(), IDLE_AFTER_DATA_MS);
    });
    socket.on("end", () => finish());
    socket.on("close", () => finish());
    socket.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ECONNREFUSED") finish({ error: "refused", message: "connection refused: nothing listens there" });
      else if (e.code === "ENOTFOUND" || e.code === "EAI_AGAIN") finish({ error: "unreachable", message: `cannot resolve ${host}` });
      else finish({ error: connected ? "closed" : "unreachable", message: e.code ? `${e.code}: ${e.message}` : e.message });
    });
  });
}
