import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { createHash } from "crypto";
import { ResolvedEnsemble } from "./options";
import { ensembleLabels } from "./labels";
import { certificateNames } from "./tls";
import { MANAGED_BY } from "../managed-by";

/** A CA of the ensemble's own and the servers' certificate, made with @pulumi/tls. */
export interface EnsembleCertificates {
  caCertPem: pulumi.Output<string>;
  certPem: pulumi.Output<string>;
  /** PKCS#8: the one form ZooKeeper's PEM keystore reads. */
  keyPemPkcs8: pulumi.Output<string>;
}

const HOURS_PER_YEAR = 24 * 365;

/**
 * ECDSA P-256 keys; the CA for 10 years, the servers' certificate for one, renewed by the first
 * `pulumi up --refresh` in its last 30 days (the tls provider notices the renewal window on refresh).
 * One certificate for every server: the pods of a StatefulSet share one pod template and so mount
 * the same Secret, so per-server keys would give each pod every key anyway.
 */
export function makeCertificates(name: string, s: ResolvedEnsemble, parent: pulumi.Resource): EnsembleCertificates {
  const opts = { parent };
  // The host reaches the secure port at 127.0.0.1 (exposeOnHost's NodePort and kind port mapping).
  const onHost = s.clientNodePort !== undefined;
  const organization = MANAGED_BY;
  const caKey = new tls.PrivateKey(`${name}-ca-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
  const ca = new tls.SelfSignedCert(
    `${name}-ca`,
    {
      privateKeyPem: caKey.privateKeyPem,
      isCaCertificate: true,
      validityPeriodHours: 10 * HOURS_PER_YEAR,
      allowedUses: ["cert_signing", "crl_signing"],
      subject: { commonName: `${s.names.statefulSet}.${s.namespace} ZooKeeper CA`, organization },
    },
    opts,
  );
  const key = new tls.PrivateKey(`${name}-server-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, opts);
  const request = new tls.CertRequest(
    `${name}-server-request`,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: `${s.names.statefulSet}.${s.namespace} ZooKeeper servers`, organization },
      dnsNames: certificateNames(s.names, s.namespace, s.clusterDomain).concat(onHost ? ["localhost"] : []),
      ...(onHost ? { ipAddresses: ["127.0.0.1"] } : {}),
    },
    opts,
  );
  const cert = new tls.LocallySignedCert(
    `${name}-server`,
    {
      certRequestPem: request.certRequestPem,
      caPrivateKeyPem: caKey.privateKeyPem,
      caCertPem: ca.certPem,
      validityPeriodHours: HOURS_PER_YEAR,
      earlyRenewalHours: 30 * 24,
      // Servers are clients of each other on the quorum ports.
      allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
    },
    opts,
  );
  return { caCertPem: ca.certPem, certPem: cert.certPem, keyPemPkcs8: pulumi.secret(key.privateKeyPemPkcs8) };
}

/**
 * The TLS Secret, in cert-manager's layout (tls.crt, tls.key, ca.crt), immutable and named by its
 * certificate's digest: a new certificate makes a new Secret and rolls the servers one at a time.
 */
export function renderTlsSecret(s: ResolvedEnsemble, pem: { certPem: string; keyPemPkcs8: string; caCertPem: string }) {
  const digest = createHash("sha256").update(pem.certPem).update(pem.caCertPem).digest("hex").slice(0, 16);
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: `${s.names.tlsSecret}-${digest}`, namespace: s.namespace, labels: ensembleLabels(s.names) },
    type: "kubernetes.io/tls",
    immutable: true,
    stringData: { "tls.crt": pem.certPem, "tls.key": pem.keyPemPkcs8, "ca.crt": pem.caCertPem },
  };
}
