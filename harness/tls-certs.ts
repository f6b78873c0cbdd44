// Certificates for the TLS integration tests, made with the openssl command line in the shape the
// component makes them (components/zookeeper/certificates.ts): ECDSA P-256 keys, a CA of the
// ensemble's own, one server certificate for every server, usable as a server and as a client (the
// servers are clients of each other on the quorum ports), its key in PKCS#8 ("BEGIN PRIVATE KEY").
// And a Secret volume laid out as the kubelet lays it out, so zk-tls.sh reads what it reads in a pod.
import * as fs from "fs";
import * as path from "path";
import { execFileSync } from "child_process";
import { X509Certificate, randomBytes } from "crypto";

export interface CertificateAuthority {
  name: string;
  certPath: string;
  keyPath: string;
  certPem: string;
}

export interface IssuedCertificate {
  certPem: string;
  /** PKCS#8, as tls.key of the Secret. */
  keyPem: string;
  /** Upper-case hex, as Node's X509Certificate.serialNumber prints it. */
  serial: string;
  certPath: string;
  keyPath: string;
}

function openssl(args: string[], cwd: string): string {
  return execFileSync("openssl", args, { cwd, encoding: "utf8", timeout: 20000, stdio: ["ignore", "pipe", "pipe"] });
}

/** A P-256 key in PKCS#8: `openssl genpkey` writes "BEGIN PRIVATE KEY" (not the SEC1 "BEGIN EC PRIVATE KEY"). */
function newKey(keyPath: string, cwd: string): void {
  openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyPath], cwd);
}

/** A self-signed CA in `dir` (made if missing). */
export function makeCa(dir: string, name: string): CertificateAuthority {
  fs.mkdirSync(dir, { recursive: true });
  const keyPath = path.join(dir, `${name}.key`);
  const certPath = path.join(dir, `${name}.crt`);
  newKey(keyPath, dir);
  openssl(
    [
      "req",
      "-x509",
      "-new",
      "-key",
      keyPath,
      "-subj",
      `/O=kind-zookeeper tests/CN=${name}`,
      "-days",
      "2",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-out",
      certPath,
    ],
    dir,
  );
  return { name, certPath, keyPath, certPem: fs.readFileSync(certPath, "utf8") };
}

let issued = 0;

/**
 * A server certificate signed by `ca` for these DNS names and IP addresses, with a serial of its
 * own (so a rotated certificate is told apart by what a TLS connection is presented).
 */
export function issueCertificate(
  ca: CertificateAuthority,
  dir: string,
  sans: { dns: string[]; ips?: string[] },
  label = "server",
): IssuedCertificate {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${label}-${++issued}`);
  const keyPath = `${base}.key`;
  const csrPath = `${base}.csr`;
  const certPath = `${base}.crt`;
  const extPath = `${base}.ext`;
  newKey(keyPath, dir);
  openssl(["req", "-new", "-key", keyPath, "-subj", `/O=kind-zookeeper tests/CN=${label}`, "-out", csrPath], dir);
  const san = [...sans.dns.map((d) => `DNS:${d}`), ...(sans.ips ?? []).map((ip) => `IP:${ip}`)].join(",");
  fs.writeFileSync(
    extPath,
    [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth,clientAuth",
      `subjectAltName=${san}`,
      "",
    ].join("\n"),
  );
  // Random, positive and 16 octets (RFC 5280 4.1.2.2 allows up to 20).
  const octets = randomBytes(16);
  octets[0] = (octets[0] & 0x7f) | 0x10;
  const serial = `0x${octets.toString("hex")}`;
  openssl(
    [
      "x509",
      "-req",
      "-in",
      csrPath,
      "-CA",
      ca.certPath,
      "-CAkey",
      ca.keyPath,
      "-set_serial",
      serial,
      "-days",
      "1",
      "-extfile",
      extPath,
      "-out",
      certPath,
    ],
    dir,
  );
  const certPem = fs.readFileSync(certPath, "utf8");
  const keyPem = fs.readFileSync(keyPath, "utf8");
  if (!keyPem.includes("-----BEGIN PRIVATE KEY-----")) throw new Error(`openssl wrote ${keyPath} not in PKCS#8`);
  return { certPem, keyPem, serial: serialOf(certPem), certPath, keyPath };
}

/** The serial number of a PEM certificate, upper-case hex without leading zeros. */
export function serialOf(certPem: string): string {
  return normaliseSerial(new X509Certificate(certPem).serialNumber);
}

export function normaliseSerial(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, "");
}

/** The Secret's keys, as a kubernetes.io/tls Secret with a CA (cert-manager's layout) has them. */
export interface TlsSecretData {
  "tls.crt": string;
  "tls.key": string;
  "ca.crt": string;
}

export function secretData(cert: IssuedCertificate, ca: CertificateAuthority): TlsSecretData {
  return { "tls.crt": cert.certPem, "tls.key": cert.keyPem, "ca.crt": ca.certPem };
}

/**
 * A Secret volume as the kubelet writes it (kubernetes/kubernetes pkg/volume/util/atomic_writer.go):
 * the files in a timestamped directory `..<timestamp>`, a symlink `..data` to it, and each key a
 * symlink `<key> -> ..data/<key>`. An update writes a new timestamped directory, points a new
 * symlink `..data_tmp` at it and renames that over `..data` (one atomic step for every key), then
 * removes the old directory. Files get the volume's defaultMode (0440 in the StatefulSet).
 */
export class SecretVolume {
  private generation = 0;
  constructor(readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Writes (first call) or atomically replaces (later calls) every key of the Secret. */
  /**
   * `unreadable`: keys written as directories, so that reading them fails although they exist and
   * are not empty: a stand-in for a read error in the middle of a build.
   */
  write(data: TlsSecretData | Partial<TlsSecretData>, { unreadable = [] }: { unreadable?: (keyof TlsSecretData)[] } = {}): void {
    const stamp = new Date().toISOString().replace(/[-:]/g, "_").replace("T", "_").replace("Z", "");
    const tsName = `..${stamp}.${process.pid}${++this.generation}`;
    const tsDir = path.join(this.dir, tsName);
    fs.mkdirSync(tsDir);
    for (const [key, value] of Object.entries(data)) {
      if (value === undefined) continue;
      if ((unreadable as string[]).includes(key)) {
        fs.mkdirSync(path.join(tsDir, key, "not-a-file"), { recursive: true });
        continue;
      }
      fs.writeFileSync(path.join(tsDir, key), value);
      fs.chmodSync(path.join(tsDir, key), 0o440);
    }
    const dataLink = path.join(this.dir, "..data");
    const old = fs.existsSync(dataLink) ? fs.readlinkSync(dataLink) : undefined;
    const tmpLink = path.join(this.dir, "..data_tmp");
    fs.rmSync(tmpLink, { force: true });
    fs.symlinkSync(tsName, tmpLink);
    fs.renameSync(tmpLink, dataLink);
    for (const key of Object.keys(data)) {
      const link = path.join(this.dir, key);
      if (!fs.existsSync(link)) fs.symlinkSync(path.join("..data", key), link);
    }
    // A key the Secret no longer has loses its symlink.
    for (const name of fs.readdirSync(this.dir)) {
      if (!name.startsWith("..") && !(name in data)) fs.rmSync(path.join(this.dir, name), { force: true });
    }
    if (old) fs.rmSync(path.join(this.dir, old), { recursive: true, force: true });
  }
}
