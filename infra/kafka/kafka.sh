#!/usr/bin/env bash
# Runs a single-node Apache Kafka (KRaft, broker+controller in one JVM) for development
# and tests. Kafka comes from Maven Central (see pom.xml), no Docker and no tarball needed.
# It runs as production must: every listener is TLS with client certificates, principals
# come from the certificate subject, and the StandardAuthorizer denies whatever no ACL
# allows. The development PKI (CA and identities) is made on first start in KAFKA_TLS_DIR.
#
#   bash infra/kafka/kafka.sh start     # idempotent: reuses a broker that already answers
#   bash infra/kafka/kafka.sh stop      # stops the broker this script started
#   bash infra/kafka/kafka.sh status    # exit 0 running, 1 not running
#   bash infra/kafka/kafka.sh logs [-f] [lines]
#   bash infra/kafka/kafka.sh reset     # stop and delete the broker's data (topics, offsets)
#   bash infra/kafka/kafka.sh fetch     # only download the jars into the cache (e.g. to warm CI)
#
# Environment: ACCORD_CACHE_DIR, ACCORD_RUN_DIR, KAFKA_BROKERS, KAFKA_CONTROLLER_PORT,
# KAFKA_TLS_DIR, JAVA_HOME, KAFKA_HEAP_OPTS, KAFKA_OPTS, KAFKA_READY_TIMEOUT (see docs/configuration.md).
set -euo pipefail

KAFKA_VERSION=4.1.2 # keep in step with pom.xml <kafka.version> and docker-compose.yml

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_DIR="${ACCORD_CACHE_DIR:-$HOME/.cache/accord}/kafka-$KAFKA_VERSION"
LIBS_DIR="$CACHE_DIR/libs"
MARKER="$CACHE_DIR/.complete"
RUN_DIR="${ACCORD_RUN_DIR:-$REPO_ROOT/.run}/kafka"
DATA_DIR="$RUN_DIR/data"
PID_FILE="$RUN_DIR/kafka.pid"
LOG_FILE="$RUN_DIR/kafka.log"
PROPS_FILE="$RUN_DIR/server.properties"
FORMAT_STAMP="$RUN_DIR/formatted-with"
LOCK_FILE="$RUN_DIR/.lock"
LOG4J_DIR="$SCRIPT_DIR/config"
TLS_DIR="${KAFKA_TLS_DIR:-${ACCORD_RUN_DIR:-$REPO_ROOT/.run}/pki}"
TSX="$REPO_ROOT/node_modules/.bin/tsx"

BROKERS="${KAFKA_BROKERS:-127.0.0.1:9092}"
FIRST_BROKER="${BROKERS%%,*}"
BROKER_HOST="${FIRST_BROKER%:*}"
BROKER_PORT="${FIRST_BROKER##*:}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((BROKER_PORT + 1))}"
READY_TIMEOUT="${KAFKA_READY_TIMEOUT:-90}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

if [[ -n "${JAVA_HOME:-}" ]]; then JAVA="$JAVA_HOME/bin/java"; else JAVA="java"; fi
NODE="${NODE:-node}"

say() { printf '[kafka] %s\n' "$*"; }
die() { printf '[kafka] error: %s\n' "$*" >&2; exit 1; }

log_tail() {
  if [[ -f "$LOG_FILE" ]]; then
    printf -- '--- last lines of %s ---\n' "$LOG_FILE" >&2
    tail -n "${1:-40}" "$LOG_FILE" >&2
  fi
}

# The pid of the broker this script started, if that process is still a Kafka broker.
our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# True when a Kafka broker answers admin requests on $BROKERS within a few seconds.
broker_answers() {
  port_open "$BROKER_HOST" "$BROKER_PORT" || return 1
  "$NODE" "$SCRIPT_DIR/wait-ready.js" --brokers "$BROKERS" --tls-dir "$TLS_DIR" --timeout "${1:-5}" --quiet >/dev/null 2>&1
}

# The development CA and identities (idempotent; renews what is near expiry).
ensure_pki() {
  [[ -x "$TSX" ]] || die "node_modules is missing: run npm ci first (the development PKI is made with the project's own code)"
  local extra=()
  is_local_host "$BROKER_HOST" || extra=(--server-dns "$BROKER_HOST")
  (cd "$REPO_ROOT" && "$TSX" "$REPO_ROOT/apps/hub-api/src/cli/kafka-security.ts" pki "$TLS_DIR" "${extra[@]}") || die "could not create the development PKI in $TLS_DIR"
}

# The hub components' ACLs, created with the operator identity (idempotent).
ensure_component_acls() {
  (cd "$REPO_ROOT" && "$TSX" "$REPO_ROOT/apps/hub-api/src/cli/kafka-security.ts" acls "$BROKERS" "$TLS_DIR") || die "could not create the hub components' ACLs"
}

is_local_host() { [[ "$1" == "127.0.0.1" || "$1" == "localhost" || "$1" == "::1" || "$1" == "0.0.0.0" ]]; }

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (install Java 17+ or set JAVA_HOME)"
  local version major
  version="$("$JAVA" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${version%%.*}"
  [[ "$major" == "1" ]] && major="$(echo "$version" | cut -d. -f2)"
  if [[ "$major" =~ ^[0-9]+$ ]] && ((major < 17)); then
    die "Kafka $KAFKA_VERSION needs Java 17 or newer; $JAVA is $version (set JAVA_HOME)"
  fi
}

pom_digest() { sha256sum "$SCRIPT_DIR/pom.xml" | cut -d' ' -f1; }

# Copies Kafka and its runtime dependencies from Maven Central into the cache (once).
fetch_jars() {
  local digest
  digest="$(pom_digest)"
  if [[ -f "$MARKER" && "$(cat "$MARKER")" == "$digest" ]] && compgen -G "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
    return 0
  fi
  command -v mvn >/dev/null 2>&1 || die "mvn (Maven 3.6+) is needed once to fetch Apache Kafka $KAFKA_VERSION from Maven Central"
  say "Fetching Apache Kafka $KAFKA_VERSION from Maven Central (first run only)…"
  mkdir -p "$CACHE_DIR"
  local tmp="$CACHE_DIR/libs.tmp.$$"
  rm -rf "$tmp"
  # Maven's output goes to a log (Debian's Maven 3.8 prints colour codes even in batch mode).
  if ! mvn -B -q -Dstyle.color=never \
      -Dmaven.repo.local="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}" \
      -f "$SCRIPT_DIR/pom.xml" dependency:copy-dependencies \
      -DoutputDirectory="$tmp" -DincludeScope=runtime >"$CACHE_DIR/mvn.log" 2>&1; then
    rm -rf "$tmp"
    sed 's/\x1b\[[0-9;]*m//g' "$CACHE_DIR/mvn.log" | tail -n 40 >&2
    die "could not fetch Kafka from Maven Central (Maven output above; full log: $CACHE_DIR/mvn.log)"
  fi
  compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null || { rm -rf "$tmp"; die "Maven did not produce kafka_2.13-$KAFKA_VERSION.jar"; }
  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  echo "$digest" >"$MARKER"
  say "Cached $(find "$LIBS_DIR" -name '*.jar' | wc -l) jars in $LIBS_DIR"
}

write_properties() {
  mkdir -p "$DATA_DIR"
  cat >"$PROPS_FILE" <<EOF
# Generated by infra/kafka/kafka.sh — edits are overwritten on the next start.
# Single-node KRaft: this JVM is both broker and controller.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$CONTROLLER_PORT
# Both listeners are TLS with client certificates: CLIENTS for apps and partners (and this
# node's own inter-broker traffic), CONTROLLER for KRaft. No listener takes plaintext.
listeners=CLIENTS://127.0.0.1:$BROKER_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=CLIENTS://$BROKER_HOST:$BROKER_PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
listener.security.protocol.map=CLIENTS:SSL,CONTROLLER:SSL
inter.broker.listener.name=CLIENTS
controller.listener.names=CONTROLLER
log.dirs=$DATA_DIR

# TLS: PEM throughout (no keytool). The keystore holds this node's key and certificate
# (identity kafka-broker, SANs 127.0.0.1 and localhost); clients must present a certificate
# signed by the partnership CA. Hostname checks are the clients' job (the node's SANs).
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/kafka-broker.keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.crt
ssl.client.auth=required
ssl.endpoint.identification.algorithm=
ssl.enabled.protocols=TLSv1.3,TLSv1.2
# CN=southampton.adult-social-care → User:southampton.adult-social-care. Certificates the
# hub issues carry only a CN; any other subject keeps its full DN and matches no ACL.
ssl.principal.mapping.rules=RULE:^CN=([a-z0-9.-]+)$/\$1/,DEFAULT

# Authorisation: deny unless an ACL allows. Super users are this node and the hub operator
# (who bootstraps the components' ACLs); apps and partners hold their own least privilege.
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:kafka-broker;User:accord-operator

# Topics are created explicitly (admin client / hub-api), never by a typo.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=3
default.replication.factor=1
min.insync.replicas=1

# Internal topics: one node, so replication factor 1 everywhere.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1

# Tests start consumer groups all the time: no initial rebalance delay.
group.initial.rebalance.delay.ms=0

# Development retention: a week or 1 GiB per partition, whichever comes first.
log.retention.hours=168
log.retention.bytes=1073741824
log.segment.bytes=134217728
log.retention.check.interval.ms=300000

num.network.threads=3
num.io.threads=8
EOF
}

# Formats the KRaft storage once (a standalone dynamic quorum, as Kafka 4.x recommends).
format_storage() {
  local stamp="$BROKER_PORT/$CONTROLLER_PORT/tls"
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    if [[ -f "$FORMAT_STAMP" && "$(cat "$FORMAT_STAMP")" == "$stamp" ]]; then return 0; fi
    say "Listeners changed since the storage was formatted; wiping $DATA_DIR"
    rm -rf "$DATA_DIR"
    mkdir -p "$DATA_DIR"
  fi
  local cluster_id
  # A random 16-byte id in base64url, never starting with '-' (StorageTool would read it as an option; Kafka's own Uuid avoids it too).
  cluster_id="$("$NODE" -e "let id; do id = require('crypto').randomBytes(16).toString('base64url'); while (id.startsWith('-')); process.stdout.write(id)")"
  say "Formatting KRaft storage in $DATA_DIR (cluster $cluster_id)"
  if ! "$JAVA" -cp "$LIBS_DIR/*:$LOG4J_DIR" -Dlog4j2.configurationFile="$LOG4J_DIR/log4j2.xml" \
      kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$PROPS_FILE" >"$RUN_DIR/format.log" 2>&1; then
    cat "$RUN_DIR/format.log" >&2
    die "formatting the Kafka storage failed"
  fi
  echo "$stamp" >"$FORMAT_STAMP"
}

cmd_start() {
  mkdir -p "$RUN_DIR"
  # Serialise concurrent starts (parallel test runners): the second one waits, then reuses.
  exec 9>"$LOCK_FILE"
  flock 9

  local pid
  ensure_pki
  if pid="$(our_pid)"; then
    if [[ -f "$PROPS_FILE" ]] && ! grep -q '^ssl.client.auth=required$' "$PROPS_FILE"; then
      say "Kafka (pid $pid) runs an older configuration without TLS; restarting it"
      stop_pid "$pid" >/dev/null
      rm -f "$PID_FILE"
    else
      say "Kafka (pid $pid) is already running from $RUN_DIR; checking it answers…"
      if "$NODE" "$SCRIPT_DIR/wait-ready.js" --brokers "$BROKERS" --tls-dir "$TLS_DIR" --timeout "$READY_TIMEOUT" --pid "$pid" --log "$LOG_FILE"; then
        ensure_component_acls
        return 0
      fi
      die "Kafka process $pid is running but does not answer over TLS; try: bash infra/kafka/kafka.sh stop && bash infra/kafka/kafka.sh start"
    fi
  fi
  if broker_answers 5; then
    say "Reusing the Kafka broker already answering at $BROKERS (not started by this script)"
    ensure_component_acls
    return 0
  fi
  is_local_host "$BROKER_HOST" || die "no Kafka answers at $BROKERS and it is not a local address, so there is nothing to start"
  if port_open "$BROKER_HOST" "$BROKER_PORT"; then
    die "port $BROKER_PORT on $BROKER_HOST is taken by something that does not answer as a Kafka broker over TLS with the CA in $TLS_DIR"
  fi
  if port_open 127.0.0.1 "$CONTROLLER_PORT"; then
    die "controller port $CONTROLLER_PORT is taken (set KAFKA_CONTROLLER_PORT)"
  fi

  check_java
  fetch_jars
  rm -f "$PID_FILE"
  write_properties
  format_storage

  say "Starting Apache Kafka $KAFKA_VERSION (KRaft, single node) on $BROKER_HOST:$BROKER_PORT; log: $LOG_FILE"
  {
    echo
    echo "===== kafka.sh start $(date -Is) ====="
  } >>"$LOG_FILE"
  # shellcheck disable=SC2086 # HEAP_OPTS / KAFKA_OPTS are deliberately word-split
  nohup setsid "$JAVA" $HEAP_OPTS -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$LOG4J_DIR/log4j2.xml" \
    ${KAFKA_OPTS:-} -cp "$LIBS_DIR/*:$LOG4J_DIR" kafka.Kafka "$PROPS_FILE" \
    >>"$LOG_FILE" 2>&1 </dev/null 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"

  if ! "$NODE" "$SCRIPT_DIR/wait-ready.js" --brokers "$BROKERS" --tls-dir "$TLS_DIR" --timeout "$READY_TIMEOUT" --pid "$pid" --log "$LOG_FILE"; then
    if kill -0 "$pid" 2>/dev/null; then stop_pid "$pid" >/dev/null; fi
    rm -f "$PID_FILE"
    die "Kafka did not start (log: $LOG_FILE)"
  fi
  ensure_component_acls
  say "Kafka is running (pid $pid); stop it with: bash infra/kafka/kafka.sh stop"
}

stop_pid() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= 300)); then
      say "Kafka (pid $pid) did not stop within 30s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  echo "$waited"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    rm -f "$PID_FILE"
    say "Kafka is not running (nothing started by this script)"
    return 0
  fi
  say "Stopping Kafka (pid $pid)…"
  stop_pid "$pid" >/dev/null
  rm -f "$PID_FILE"
  if kill -0 "$pid" 2>/dev/null; then die "Kafka (pid $pid) is still running"; fi
  say "Kafka stopped"
}

cmd_status() {
  local pid
  if pid="$(our_pid)"; then
    echo "running (pid $pid, TLS $BROKER_HOST:$BROKER_PORT, data $DATA_DIR, identities $TLS_DIR)"
    return 0
  fi
  if port_open "$BROKER_HOST" "$BROKER_PORT"; then
    echo "running (a broker not started by this script answers at $BROKER_HOST:$BROKER_PORT)"
    return 0
  fi
  echo "not running"
  return 1
}

cmd_logs() {
  local follow="" lines=100
  for arg in "$@"; do
    case "$arg" in
      -f | --follow) follow=1 ;;
      *[!0-9]* | '') die "usage: kafka.sh logs [-f] [lines]" ;;
      *) lines="$arg" ;;
    esac
  done
  [[ -f "$LOG_FILE" ]] || die "no log yet at $LOG_FILE"
  if [[ -n "$follow" ]]; then exec tail -n "$lines" -F "$LOG_FILE"; fi
  tail -n "$lines" "$LOG_FILE"
}

cmd_reset() {
  cmd_stop
  say "Deleting $DATA_DIR"
  rm -rf "$DATA_DIR" "$FORMAT_STAMP"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  logs) shift; cmd_logs "$@" ;;
  reset) cmd_reset ;;
  fetch) fetch_jars; say "Apache Kafka $KAFKA_VERSION is in $LIBS_DIR" ;;
  *)
    echo "usage: $0 start|stop|status|logs [-f] [lines]|reset|fetch" >&2
    exit 2
    ;;
esac
