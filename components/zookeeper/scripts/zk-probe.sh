#!/usr/bin/env bash
# kind-zookeeper: liveness (live) and readiness (ready) checks of the local server. `live`: the
# server process answers ruok with imok (it does so with or without a quorum, so a server waiting
# for its peers is not restarted). `ready`: srvr reports the server as leader, follower or
# standalone, which it does only while it serves; a rolling update therefore waits for a restarted
# server to rejoin the quorum before it touches the next one. Every exchange is bounded by
# `timeout`: a bare connection can hang or answer empty.
set -u
host="${ZK_PROBE_HOST:-127.0.0.1}"
port="${ZK_PROBE_PORT:-${ZK_CLIENT_PORT:?}}"

ask() {
  # shellcheck disable=SC2016 # $0, $1 and $2 are expanded by the inner bash, which gets them as arguments
  timeout "${ZK_ANSWER_TIMEOUT_SECONDS:?}" bash -c 'exec 3<>"/dev/tcp/$0/$1" && printf "%s" "$2" >&3 && cat <&3' "$host" "$port" "$1" 2>/dev/null
}

case "${1:-}" in
  live)
    reply="$(ask ruok)"
    if [ "$reply" != "imok" ]; then
      echo "not live: ruok on $host:$port answered '${reply}'"
      exit 1
    fi
    ;;
  ready)
    reply="$(ask srvr)"
    if ! grep -Eq '^Mode: (leader|follower|standalone)$' <<<"$reply"; then
      echo "not ready: srvr on $host:$port answered '$(head -n 1 <<<"$reply")'"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 live|ready" >&2
    exit 2
    ;;
esac
