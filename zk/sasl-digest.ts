// The client side of SASL DIGEST-MD5 (RFC 2831) as a ZooKeeper server speaks it: the mechanism the
// Java client uses when its JAAS section holds a username and password (apache/zookeeper
// release-3.9.5 util/SecurityUtils.createSaslClient: protocol "zookeeper", server name
// "zk-sasl-md5"; server/ZooKeeperSaslServer.createSaslServer: the same two names). Pure: no I/O.
import { createHash, randomBytes } from "crypto";

/** The digest-uri a ZooKeeper server expects: <protocol>/<server name>. */
export const ZOOKEEPER_DIGEST_URI = "zookeeper/zk-sasl-md5";

const md5 = (...parts: (string | Buffer)[]) => {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return h.digest();
};
const hex = (b: Buffer) => b.toString("hex");

/** A challenge's directives: key=value or key="quoted value", comma-separated (RFC 2831 section 7.1). */
export function parseDirectives(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([a-zA-Z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,]*))\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && m[0] !== "") {
    out[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3].trim();
  }
  return out;
}

export class SaslError extends Error {}

/**
 * One DIGEST-MD5 exchange: the server's challenge answered with the credentials, then the server's
 * rspauth checked, which proves the server knows the password too.
 */
export class DigestMd5Client {
  private expectedRspauth?: string;

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly cnonce = randomBytes(16).toString("base64"),
    private readonly digestUri = ZOOKEEPER_DIGEST_URI,
  ) {
    // Hashed as the bytes they are: RFC 2831 would convert text within ISO 8859-1 first, which for
    // anything beyond ASCII differs from UTF-8, so only ASCII is taken.
    // eslint-disable-next-line no-control-regex
    if (!/^[\x21-\x7e]+$/.test(username) || !/^[\x20-\x7e]+$/.test(password)) {
      throw new SaslError("SASL DIGEST-MD5 credentials must be printable ASCII (the user name without spaces)");
    }
  }

  /** The response to the server's first challenge. */
  respond(challenge: string): string {
    const d = parseDirectives(challenge);
    if (!d.nonce) throw new SaslError(`the server's DIGEST-MD5 challenge has no nonce: ${challenge}`);
    if (d.algorithm !== "md5-sess")
      throw new SaslError(`the server's DIGEST-MD5 challenge asks for algorithm ${d.algorithm}, not md5-sess`);
    const qops = (d.qop ?? "auth").split(",").map((q) => q.trim());
    if (!qops.includes("auth")) throw new SaslError(`the server offers qop ${d.qop}, and only auth is supported`);
    const realm = d.realm ?? "";
    const nc = "00000001";
    const a1 = Buffer.concat([md5(`${this.username}:${realm}:${this.password}`), Buffer.from(`:${d.nonce}:${this.cnonce}`)]);
    const ha1 = hex(md5(a1));
    const kd = (a2: string) => hex(md5(`${ha1}:${d.nonce}:${nc}:${this.cnonce}:auth:${hex(md5(a2))}`));
    this.expectedRspauth = kd(`:${this.digestUri}`);
    const fields = [
      ...(d.charset === "utf-8" ? ["charset=utf-8"] : []),
      `username="${this.username}"`,
      `realm="${realm}"`,
      `nonce="${d.nonce}"`,
      `nc=${nc}`,
      `cnonce="${this.cnonce}"`,
      `digest-uri="${this.digestUri}"`,
      "maxbuf=65536",
      `response=${kd(`AUTHENTICATE:${this.digestUri}`)}`,
      "qop=auth",
    ];
    return fields.join(",");
  }

  /** Checks the server's final message (rspauth=...): the server proved it knows the password. */
  verify(final: string): void {
    const rspauth = parseDirectives(final).rspauth;
    if (!this.expectedRspauth || rspauth !== this.expectedRspauth) {
      throw new SaslError("the server's DIGEST-MD5 rspauth does not match: it does not know this user's password");
    }
  }
}
