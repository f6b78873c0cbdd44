// pulumi-resource-tls stand-in: the proxy serves no github.com/pulumi/pulumi-tls module,
// so this implements what kind-zookeeper uses, tls.PrivateKey, tls.SelfSignedCert,
// tls.CertRequest and tls.LocallySignedCert, with the inputs, defaults and outputs of
// pulumi-tls v5.6.1 (terraform-provider-tls v4): same PEM kinds, same field names.
package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"judges/tfcompat/internal/prov"
)

var version = "5.6.1"

func pemOf(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func parseKey(s string) (crypto.Signer, string, error) {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return nil, "", errors.New("failed to decode PEM private key")
	}
	var k any
	var err error
	switch b.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	}
	if err != nil {
		return nil, "", err
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return k, "RSA", nil
	case *ecdsa.PrivateKey:
		return k, "ECDSA", nil
	case ed25519.PrivateKey:
		return k, "ED25519", nil
	}
	return nil, "", fmt.Errorf("unsupported private key type %T", k)
}

func algorithmOf(pub any) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "ED25519"
	}
	return ""
}

func subject(in resource.PropertyMap) pkix.Name {
	s := prov.Obj(in, "subject")
	var n pkix.Name
	n.CommonName = prov.Str(s, "commonName")
	add := func(dst *[]string, v string) {
		if v != "" {
			*dst = append(*dst, v)
		}
	}
	add(&n.Organization, prov.Str(s, "organization"))
	add(&n.OrganizationalUnit, prov.Str(s, "organizationalUnit"))
	n.StreetAddress = prov.Strs(s, "streetAddresses")
	add(&n.Locality, prov.Str(s, "locality"))
	add(&n.Province, prov.Str(s, "province"))
	add(&n.Country, prov.Str(s, "country"))
	add(&n.PostalCode, prov.Str(s, "postalCode"))
	n.SerialNumber = prov.Str(s, "serialNumber")
	return n
}

func sans(in resource.PropertyMap) ([]string, []net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, s := range prov.Strs(in, "ipAddresses") {
		ip := net.ParseIP(s)
		if ip == nil {
			return nil, nil, nil, fmt.Errorf("invalid IP address %q", s)
		}
		ips = append(ips, ip)
	}
	var uris []*url.URL
	for _, s := range prov.Strs(in, "uris") {
		u, err := url.Parse(s)
		if err != nil {
			return nil, nil, nil, err
		}
		uris = append(uris, u)
	}
	return prov.Strs(in, "dnsNames"), ips, uris, nil
}

var keyUsages = map[string]x509.KeyUsage{
	"digital_signature": x509.KeyUsageDigitalSignature, "content_commitment": x509.KeyUsageContentCommitment,
	"key_encipherment": x509.KeyUsageKeyEncipherment, "data_encipherment": x509.KeyUsageDataEncipherment,
	"key_agreement": x509.KeyUsageKeyAgreement, "cert_signing": x509.KeyUsageCertSign,
	"crl_signing": x509.KeyUsageCRLSign, "encipher_only": x509.KeyUsageEncipherOnly,
	"decipher_only": x509.KeyUsageDecipherOnly,
}

var extUsages = map[string]x509.ExtKeyUsage{
	"any_extended": x509.ExtKeyUsageAny, "server_auth": x509.ExtKeyUsageServerAuth,
	"client_auth": x509.ExtKeyUsageClientAuth, "code_signing": x509.ExtKeyUsageCodeSigning,
	"email_protection": x509.ExtKeyUsageEmailProtection, "ipsec_end_system": x509.ExtKeyUsageIPSECEndSystem,
	"ipsec_tunnel": x509.ExtKeyUsageIPSECTunnel, "ipsec_user": x509.ExtKeyUsageIPSECUser,
	"timestamping": x509.ExtKeyUsageTimeStamping, "ocsp_signing": x509.ExtKeyUsageOCSPSigning,
	"microsoft_server_gated_crypto": x509.ExtKeyUsageMicrosoftServerGatedCrypto,
	"netscape_server_gated_crypto":  x509.ExtKeyUsageNetscapeServerGatedCrypto,
}

// certTemplate: validity, uses, CA flag and key ids, as terraform-provider-tls sets them.
func certTemplate(in resource.PropertyMap) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	t := &x509.Certificate{
		SerialNumber:          serial,
		NotBefore:             now,
		NotAfter:              now.Add(time.Duration(prov.Num(in, "validityPeriodHours")) * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  prov.Bool(in, "isCaCertificate"),
	}
	for _, u := range prov.Strs(in, "allowedUses") {
		if k, ok := keyUsages[u]; ok {
			t.KeyUsage |= k
		} else if e, ok := extUsages[u]; ok {
			t.ExtKeyUsage = append(t.ExtKeyUsage, e)
		} else {
			return nil, fmt.Errorf("unknown allowedUses value %q", u)
		}
	}
	return t, nil
}

func subjectKeyID(pub any) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	h := sha1.Sum(der)
	return h[:], nil
}

func certOutputs(t *x509.Certificate, der []byte) resource.PropertyMap {
	return resource.PropertyMap{
		"certPem":           resource.NewStringProperty(pemOf("CERTIFICATE", der)),
		"validityStartTime": resource.NewStringProperty(t.NotBefore.Format(time.RFC3339)),
		"validityEndTime":   resource.NewStringProperty(t.NotAfter.Format(time.RFC3339)),
		"readyForRenewal":   resource.NewBoolProperty(false),
	}
}

func privateKey(in resource.PropertyMap) (string, resource.PropertyMap, error) {
	var key crypto.Signer
	var err error
	var pemStr string
	switch alg := prov.Str(in, "algorithm"); alg {
	case "RSA":
		var k *rsa.PrivateKey
		if k, err = rsa.GenerateKey(rand.Reader, int(prov.Num(in, "rsaBits"))); err == nil {
			key, pemStr = k, pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k))
		}
	case "ECDSA":
		curves := map[string]elliptic.Curve{"P224": elliptic.P224(), "P256": elliptic.P256(), "P384": elliptic.P384(), "P521": elliptic.P521()}
		c, ok := curves[prov.Str(in, "ecdsaCurve")]
		if !ok {
			return "", nil, fmt.Errorf("invalid ecdsaCurve %q", prov.Str(in, "ecdsaCurve"))
		}
		var k *ecdsa.PrivateKey
		if k, err = ecdsa.GenerateKey(c, rand.Reader); err == nil {
			var der []byte
			if der, err = x509.MarshalECPrivateKey(k); err == nil {
				key, pemStr = k, pemOf("EC PRIVATE KEY", der)
			}
		}
	case "ED25519":
		var k ed25519.PrivateKey
		if _, k, err = ed25519.GenerateKey(rand.Reader); err == nil {
			var der []byte
			if der, err = x509.MarshalPKCS8PrivateKey(k); err == nil {
				key, pemStr = k, pemOf("PRIVATE KEY", der)
			}
		}
	default:
		return "", nil, fmt.Errorf("invalid algorithm %q: RSA, ECDSA or ED25519", alg)
	}
	if err != nil {
		return "", nil, err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return "", nil, err
	}
	out := resource.PropertyMap{
		"privateKeyPem":              resource.NewStringProperty(pemStr),
		"privateKeyPemPkcs8":         resource.NewStringProperty(pemOf("PRIVATE KEY", pkcs8)),
		"publicKeyPem":               resource.NewStringProperty(pemOf("PUBLIC KEY", pubDER)),
		"privateKeyOpenssh":          resource.NewStringProperty(""),
		"publicKeyOpenssh":           resource.NewStringProperty(""),
		"publicKeyFingerprintMd5":    resource.NewStringProperty(""),
		"publicKeyFingerprintSha256": resource.NewStringProperty(""),
	}
	if sshPub, err := ssh.NewPublicKey(key.Public()); err == nil { // P224 has no SSH form
		out["publicKeyOpenssh"] = resource.NewStringProperty(string(ssh.MarshalAuthorizedKey(sshPub)))
		out["publicKeyFingerprintMd5"] = resource.NewStringProperty(ssh.FingerprintLegacyMD5(sshPub))
		out["publicKeyFingerprintSha256"] = resource.NewStringProperty(ssh.FingerprintSHA256(sshPub))
		if blk, err := ssh.MarshalPrivateKey(key, ""); err == nil {
			out["privateKeyOpenssh"] = resource.NewStringProperty(string(pem.EncodeToMemory(blk)))
		}
	}
	h := sha1.Sum(pubDER)
	return hex.EncodeToString(h[:]), out, nil
}

func selfSignedCert(in resource.PropertyMap) (string, resource.PropertyMap, error) {
	key, alg, err := parseKey(prov.Str(in, "privateKeyPem"))
	if err != nil {
		return "", nil, err
	}
	t, err := certTemplate(in)
	if err != nil {
		return "", nil, err
	}
	t.Subject = subject(in)
	if t.DNSNames, t.IPAddresses, t.URIs, err = sans(in); err != nil {
		return "", nil, err
	}
	if prov.Bool(in, "setSubjectKeyId") {
		if t.SubjectKeyId, err = subjectKeyID(key.Public()); err != nil {
			return "", nil, err
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, t, t, key.Public(), key)
	if err != nil {
		return "", nil, err
	}
	out := certOutputs(t, der)
	out["keyAlgorithm"] = resource.NewStringProperty(alg)
	return t.SerialNumber.String(), out, nil
}

func certRequest(in resource.PropertyMap) (string, resource.PropertyMap, error) {
	key, alg, err := parseKey(prov.Str(in, "privateKeyPem"))
	if err != nil {
		return "", nil, err
	}
	t := &x509.CertificateRequest{Subject: subject(in)}
	if t.DNSNames, t.IPAddresses, t.URIs, err = sans(in); err != nil {
		return "", nil, err
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, t, key)
	if err != nil {
		return "", nil, err
	}
	p := pemOf("CERTIFICATE REQUEST", der)
	h := sha1.Sum([]byte(p))
	return hex.EncodeToString(h[:]), resource.PropertyMap{
		"certRequestPem": resource.NewStringProperty(p),
		"keyAlgorithm":   resource.NewStringProperty(alg),
	}, nil
}

func locallySignedCert(in resource.PropertyMap) (string, resource.PropertyMap, error) {
	b, _ := pem.Decode([]byte(prov.Str(in, "certRequestPem")))
	if b == nil {
		return "", nil, errors.New("failed to decode certRequestPem")
	}
	csr, err := x509.ParseCertificateRequest(b.Bytes)
	if err != nil {
		return "", nil, err
	}
	if err := csr.CheckSignature(); err != nil {
		return "", nil, err
	}
	cb, _ := pem.Decode([]byte(prov.Str(in, "caCertPem")))
	if cb == nil {
		return "", nil, errors.New("failed to decode caCertPem")
	}
	ca, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return "", nil, err
	}
	caKey, caAlg, err := parseKey(prov.Str(in, "caPrivateKeyPem"))
	if err != nil {
		return "", nil, err
	}
	t, err := certTemplate(in)
	if err != nil {
		return "", nil, err
	}
	t.Subject, t.DNSNames, t.IPAddresses, t.URIs = csr.Subject, csr.DNSNames, csr.IPAddresses, csr.URIs
	if prov.Bool(in, "setSubjectKeyId") {
		if t.SubjectKeyId, err = subjectKeyID(csr.PublicKey); err != nil {
			return "", nil, err
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, t, ca, csr.PublicKey, caKey)
	if err != nil {
		return "", nil, err
	}
	out := certOutputs(t, der)
	out["caKeyAlgorithm"] = resource.NewStringProperty(caAlg)
	return t.SerialNumber.String(), out, nil
}

func main() {
	f := resource.NewBoolProperty(false)
	z := resource.NewNumberProperty(0)
	certOuts := []string{"certPem", "validityStartTime", "validityEndTime", "readyForRenewal"}
	prov.Serve(&prov.Provider{Name: "tls", Version: version, Resources: map[string]*prov.Resource{
		"tls:index/privateKey:PrivateKey": {
			Defaults: map[string]resource.PropertyValue{
				"rsaBits": resource.NewNumberProperty(2048), "ecdsaCurve": resource.NewStringProperty("P224"),
			},
			Outputs: []string{"privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh", "publicKeyPem",
				"publicKeyOpenssh", "publicKeyFingerprintMd5", "publicKeyFingerprintSha256"},
			Secret: []string{"privateKeyPem", "privateKeyPemPkcs8", "privateKeyOpenssh"},
			Create: privateKey,
		},
		"tls:index/selfSignedCert:SelfSignedCert": {
			Defaults: map[string]resource.PropertyValue{
				"earlyRenewalHours": z, "isCaCertificate": f, "setSubjectKeyId": f, "setAuthorityKeyId": f,
			},
			Outputs: append([]string{"keyAlgorithm"}, certOuts...),
			Secret:  []string{"privateKeyPem"},
			Create:  selfSignedCert,
		},
		"tls:index/certRequest:CertRequest": {
			Outputs: []string{"certRequestPem", "keyAlgorithm"},
			Secret:  []string{"privateKeyPem"},
			Create:  certRequest,
		},
		"tls:index/locallySignedCert:LocallySignedCert": {
			Defaults: map[string]resource.PropertyValue{
				"earlyRenewalHours": z, "isCaCertificate": f, "setSubjectKeyId": f,
			},
			Outputs: append([]string{"caKeyAlgorithm"}, certOuts...),
			Secret:  []string{"caPrivateKeyPem"},
			Create:  locallySignedCert,
		},
	}})
}
