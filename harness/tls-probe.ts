// Bounded probes of what a server's port answers: the certificate a TLS handshake presents, and
// whether a TCP connection is taken. Shared by the TLS suites.
import * as net from "net";
import * as tls from "tls";
import { IssuedCertificate, normaliseSerial } from "./tls-certs";

export type Presented = { serial: string; protocol: string } | { error: string };

/**
 * What a new TLS connection to host:port presents (its leaf certificate's serial) and negotiates,
 * or why the handshake failed; bounded. `client` is the certificate offered when the server asks
 * for one (the quorum ports require one: ssl.quorum.clientAuth=need).
 */
export function presented(host: string, port: number, client?: IssuedCertificate, ms = 5000): Promise<Presented> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host,
      port,
      rejectUnauthorized: false,
      cert: client?.certPem,
      key: client?.keyPem,
      minVersion: "TLSv1.2",
    });
    const finish = (result: Presented) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ error: `no TLS handshake with ${host}:${port} within ${ms} ms` }), ms);
    socket.once("secureConnect", () => {
      const cert = socket.getPeerCertificate();
      finish({ serial: normaliseSerial(cert.serialNumber ?? ""), protocol: socket.getProtocol() ?? "" });
    });
    socket.once("error", (e) => finish({ error: e.message }));
  });
}

export function serialOr(p: Presented): string {
  return "serial" in p ? p.serial : `(${p.error})`;
}

/** Whether a TCP connection to host:port is accepted, refused, or not answered within the bound. */
export function tcpReach(host: string, port: number, ms = 3000): Promise<"open" | "refused" | "no answer"> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host);
    const finish = (r: "open" | "refused" | "no answer") => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => finish("no answer"), ms);
    socket.once("connect", () => finish("open"));
    socket.once("error", () => finish("refused"));
  });
}
