// One TCP connection to a server, plaintext or TLS, for the bounded client (zk-client.ts) and the
// four-letter words (verify/four-letter.ts). With TLS the client trusts only the ensemble's CA and
// verifies the server's name, always: Node's tls.connect checks the certificate against `servername`
// (or the host dialled), rejectUnauthorized stays on, and the minimum protocol is the oldest the
// servers enable (facts/tls-client.ts). A test that runs servers on loopback dials their addresses
// and still verifies the names the certificates carry: `servername` is the name, `host` the address.
import * as net from "net";
import * as tls from "tls";
import { CLIENT_TLS_MIN_VERSION } from "./facts/tls-client";

/** TLS to a server's secure client port: the CA certificate(s) to trust, PEM. */
export interface TlsDial {
  ca: string;
}

/**
 * Connects to `host:port`; with `tls`, over TLS verifying `servername` (default: `host`). `ready` is
 * the event after which the connection carries ZooKeeper's bytes: `connect`, or `secureConnect` once
 * the handshake (and the server's certificate) passed.
 */
export function dialServer(
  host: string,
  port: number,
  options: { tls?: TlsDial; servername?: string } = {},
): { socket: net.Socket; ready: "connect" | "secureConnect" } {
  if (!options.tls) return { socket: net.connect({ host, port }), ready: "connect" };
  const name = options.servername ?? host;
  const socket = tls.connect({
    host,
    port,
    ca: options.tls.ca,
    // SNI and the name checked (tls.checkServerIdentity); an IP address is checked, not sent as SNI.
    ...(net.isIP(name) ? {} : { servername: name }),
    checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
    rejectUnauthorized: true,
    minVersion: CLIENT_TLS_MIN_VERSION,
  });
  return { socket, ready: "secureConnect" };
}
