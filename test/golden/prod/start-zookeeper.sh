#!/usr/bin/env bash
# kind-zookeeper: starts this pod's ZooKeeper server in the foreground. Its inputs are environment
# variables the StatefulSet sets from one table (components/zookeeper/script-env.ts); the features
# it serves (TLS, SASL, dynamic membership) it reads from zoo.cfg, beside this file.
set -euo pipefail

conf_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cfg="$conf_dir/zoo.cfg"
host="${HOSTNAME:-$(hostname)}"
ordinal="${host##*-}"
if ! [[ "$ordinal" =~ ^[0-9]+$ ]]; then
  echo "start-zookeeper: hostname '$host' does not end in -<ordinal>; run this script in a StatefulSet pod" >&2
  exit 1
fi
if [ -z "${ZK_HEAP:-}" ]; then
  echo "start-zookeeper: ZK_HEAP (the JVM heap, e.g. 512m) is not set" >&2
  exit 1
fi

data_dir="$(sed -n 's/^dataDir=//p' "$cfg")"
log_dir="$(sed -n 's/^dataLogDir=//p' "$cfg")"
for dir in "$data_dir" "${log_dir:-$data_dir}"; do
  if ! mkdir -p "$dir" 2>/dev/null || [ ! -w "$dir" ]; then
    echo "start-zookeeper: $dir is not writable by uid $(id -u) gid $(id -g); the data volume must be writable by the server's user" >&2
    exit 1
  fi
done
myid="$((10#$ordinal + 1))"
echo "$myid" > "$data_dir/myid"
members_file="$cfg"

# Dynamic membership (reconfigEnabled, the members not in zoo.cfg). The live configuration is on the data volume, where the
# server rewrites it; the ConfigMap's zoo.cfg is its template. The member list comes from, in this
# order: the server's own last configuration, when it is a member there (a restart); the
# configuration a serving member committed, plus this server as a participant (a new server or a
# new volume: it follows as a non-voting member until the membership job adds it, and a removed
# server restarted comes back the same way); the seed, when no member answers and this server is in
# it (a new ensemble). Its own last configuration counts only once the server has written it (a
# first sync or formation): a file this script wrote for a start that crashed before that is stale.
# It never starts from fewer members than a member knows: a server restarted from a list of only
# itself would elect itself beside the running ensemble (test/servers/reconfig.test.ts).
# A zoo.cfg that names its members itself (server lines, or a dynamicConfigFile) is left to the
# server: ZooKeeper converts the static form on its own.
if grep -q '^reconfigEnabled=true' "$cfg" && ! grep -q -e '^server\.' -e '^dynamicConfigFile=' "$cfg"; then
  live_dir="${ZK_LIVE_CONF_DIR:?}"
  seed="${ZK_SEED_FILE:?}"
  endpoints="${ZK_JOIN_ENDPOINTS:?}"
  mkdir -p "$live_dir"
  live="$live_dir/zoo.cfg"
  # This server's line; its client part must match zoo.cfg's clientPortAddress (see memberLines in member-line.ts).
  client_address="$(sed -n 's/^clientPortAddress=//p' "$cfg")"
  own_line="server.$myid=$host.${ZK_HEADLESS_DOMAIN:?}:${ZK_SERVER_PORT:?}:${ZK_ELECTION_PORT:?}:participant;${client_address:+$client_address:}${ZK_CLIENT_PORT:?}"
  current=""
  dynamic=""
  if [ -f "$live" ]; then
    dynamic="$(sed -n 's/^dynamicConfigFile=//p' "$live" | tail -n 1)"
    # Only a file the server wrote (zoo.cfg.dynamic.<version>, at its first sync or formation) is a
    # configuration it has lived in. zoo.cfg.dynamic is what this script wrote for a start that never
    # got that far (a joiner or a seed server that crashed first): the membership may have moved on
    # since, so the members are asked again.
    case "$dynamic" in
      */zoo.cfg.dynamic.*) if [ -f "$dynamic" ]; then current="$(grep '^server\.' "$dynamic" || true)"; fi ;;
      "") ;;
      *) echo "start-zookeeper: server $myid never synced with $dynamic (written at a start that did not get that far): asking the members again" >&2 ;;
    esac
  fi
  if grep -q "^server\.$myid=" <<<"$current"; then
    members_file="$dynamic"
    echo "start-zookeeper: server $myid is a member in its own configuration $dynamic" >&2
  else
    # conf answers with "membership: ", the member lines and version=<hex> (QuorumZooKeeperServer.dumpConf),
    # only while the server serves. The newest configuration among the answers wins.
    committed=""
    best=-1
    for _ in $(seq 1 "${ZK_JOIN_ATTEMPTS:?}"); do
      for endpoint in $endpoints; do
        # shellcheck disable=SC2016 # $0 is expanded by the inner bash, which gets the endpoint as $0
        reply="$(timeout "${ZK_ANSWER_TIMEOUT_SECONDS:?}" bash -c 'exec 3<>"/dev/tcp/${0%:*}/${0##*:}" && printf conf >&3 && cat <&3' "$endpoint" 2>/dev/null || true)"
        lines="$(sed -n '/^membership: *$/,$p' <<<"$reply" | grep '^server\.' || true)"
        version="$(sed -n 's/^version=\([0-9a-f]*\)$/\1/p' <<<"$reply")"
        if [ -n "$lines" ] && [ -n "$version" ] && [ "$((16#$version))" -gt "$best" ]; then
          committed="$lines"
          best="$((16#$version))"
        fi
      done
      if [ -n "$committed" ]; then break; fi
      sleep 1
    done
    if [ -n "$committed" ]; then
      members="$committed"
      grep -q "^server\.$myid=" <<<"$members" || members="$members"$'\n'"$own_line"
      echo "start-zookeeper: server $myid joins the configuration a member committed (version $(printf '%x' "$best"))" >&2
    elif [ -n "$current" ]; then
      echo "start-zookeeper: server $myid is not in its own last configuration (not yet added, or removed) and no member answers on $endpoints; it starts once one does" >&2
      exit 1
    elif [ -f "$seed" ] && grep -q "^server\.$myid=" "$seed"; then
      members="$(grep '^server\.' "$seed")"
      echo "start-zookeeper: no member answers on $endpoints: server $myid starts a new ensemble from the seed $seed" >&2
    else
      echo "start-zookeeper: no member answers on $endpoints, and server $myid is not in the seed $seed: a new server only joins a running ensemble; it starts once a member answers" >&2
      exit 1
    fi
    members_file="$live_dir/zoo.cfg.dynamic"
    printf '%s\n' "$members" > "$members_file.tmp"
    mv "$members_file.tmp" "$members_file"
  fi
  { grep -v '^dynamicConfigFile=' "$cfg"; echo "dynamicConfigFile=$members_file"; } > "$live.tmp"
  mv "$live.tmp" "$live"
  cfg="$live"
fi

# With quorumListenOnAllIPs off, the server binds its election port to the address its own
# server.<myid> name resolves to, and exits (code 14) after a few failed tries. The kubelet puts the
# pod's own FQDN into /etc/hosts, so that name resolves at once unless zoo.cfg names another domain.
own="$(awk -F'[=:]' -v id="server.$myid" '$1 == id { print $2 }' "$members_file")"
if [ -n "$own" ] && [ -n "${POD_IP:-}" ]; then
  waited=0
  until resolved="$(getent hosts "$own" | awk '{ print $1 }' | sort -u | paste -sd ' ' -)"; [[ " $resolved " == *" $POD_IP "* ]]; do
    if [ "$waited" -ge "${ZK_RESOLVE_WAIT_SECONDS:?}" ]; then
      echo "start-zookeeper: zoo.cfg names this server $own, which resolves to '$resolved', not to this pod's address $POD_IP; this pod's own name is $(hostname -f 2>/dev/null || echo unknown). Is clusterDomain the cluster's DNS domain?" >&2
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
fi

# TLS: the keystore ZooKeeper reads is built from the Secret, and rebuilt when the Secret changes by a
# loop that outlives this shell (it becomes the JVM's child).
if grep -q '^secureClientPort=' "$cfg"; then
  bash "$conf_dir/zk-tls.sh" assemble
  bash "$conf_dir/zk-tls.sh" watch &
fi

# SASL: the users (with client authentication) and the super user are in a JAAS file from its Secret,
# which the JVM reads once, at start.
if grep -q '^superUser=' "$cfg"; then
  jaas="${ZK_AUTH_DIR:?}/${ZK_AUTH_FILE:?}"
  if [ ! -s "$jaas" ]; then
    echo "start-zookeeper: zoo.cfg names a SASL super user but $jaas is missing or empty; the pod needs the authentication Secret mounted at $ZK_AUTH_DIR" >&2
    exit 1
  fi
  export SERVER_JVMFLAGS="-Djava.security.auth.login.config=$jaas ${SERVER_JVMFLAGS:-}"
fi

# zkEnv.sh puts its own -Xmx (ZK_SERVER_HEAP, 1000m) first and zkServer.sh its heap-dump flags before
# these, so later flags win. The JVM is PID 1, which ignores the launcher's OnOutOfMemoryError
# 'kill -9 %p': it must exit by itself. A heap dump the size of the heap would fill the node's disk.
# G1 by name: under a memory limit below 1792 MiB (the default 1024Mi) the JVM does not count as a
# server-class machine and picks the Serial collector, whose full pauses grow with the heap; the
# pause figures in docs/monitoring.md ("Failure detection") are G1's.
export SERVER_JVMFLAGS="-Xms$ZK_HEAP -Xmx$ZK_HEAP -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError -XX:-HeapDumpOnOutOfMemoryError ${SERVER_JVMFLAGS:-}"
echo "start-zookeeper: server $myid ($host), heap $ZK_HEAP, config $cfg" >&2
exec zkServer.sh start-foreground "$cfg"
