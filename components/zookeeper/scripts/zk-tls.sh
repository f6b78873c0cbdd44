#!/usr/bin/env bash
# kind-zookeeper: ZooKeeper's PEM keystore (key and certificate in one file) and truststore, built
# from the TLS Secret, and rebuilt whenever the Secret changes. `assemble` builds the stores once;
# `watch` rebuilds them when the Secret changes.
set -euo pipefail
secret="${ZK_TLS_SECRET_DIR:?}"
out="${ZK_TLS_STORE_DIR:?}"

assemble() {
  for f in tls.crt tls.key ca.crt; do
    [ -s "$secret/$f" ] || { echo "zk-tls: $secret/$f is missing or empty; the TLS Secret needs tls.crt, tls.key and ca.crt" >&2; return 1; }
  done
  if ! grep -q -- '-----BEGIN PRIVATE KEY-----' "$secret/tls.key"; then
    echo "zk-tls: $secret/tls.key is not a PKCS#8 key (BEGIN PRIVATE KEY), the only form ZooKeeper's PEM keystore reads; with cert-manager set privateKey.encoding: PKCS8" >&2
    return 1
  fi
  # Each step checks its own status: called from watch's `if`, bash ignores set -e in here, and a
  # failed build (a read error, a full emptyDir) must not rename a partial file into place.
  mkdir -p "$out" || return 1
  (umask 077 && cat "$secret/tls.key" "$secret/tls.crt" > "$out/.keystore.pem.new" && cat "$secret/ca.crt" > "$out/.ca.pem.new") || return 1
  # Renamed into place: ZooKeeper reloads on an event for the file's own name.
  mv -f "$out/.keystore.pem.new" "$out/keystore.pem" || return 1
  mv -f "$out/.ca.pem.new" "$out/ca.pem" || return 1
}

case "${1:-}" in
  assemble)
    assemble
    ;;
  watch)
    # A key that cannot be read (pipefail makes that the status) must not end the loop under set -e:
    # the change is noticed, assemble says what is missing, and a later look retries.
    seen="$(cat "$secret/tls.key" "$secret/tls.crt" "$secret/ca.crt" 2>/dev/null | sha256sum)" || true
    while sleep "${ZK_TLS_WATCH_SECONDS:?}"; do
      now="$(cat "$secret/tls.key" "$secret/tls.crt" "$secret/ca.crt" 2>/dev/null | sha256sum)" || true
      if [ "$now" != "$seen" ] && assemble; then
        seen="$now"
        echo "zk-tls: the TLS Secret changed; keystore and truststore rebuilt" >&2
      fi
    done
    ;;
  *)
    echo "usage: $0 assemble|watch" >&2
    exit 2
    ;;
esac
