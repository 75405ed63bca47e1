#!/usr/bin/env bash
# Start a real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1.
# Jars come from Maven Central (pom.xml next to this file); state lives in <repo>/.local/kafka.
# Idempotent: if our broker is already up, says so and exits 0. Blocks until the port accepts connections.
# A second, private broker (tests that kill or stop one): KAFKA_DIR=<own dir> KAFKA_PORT=… KAFKA_CONTROLLER_PORT=…
# (the jars stay shared in KAFKA_LIBS). DURABILITY=fsync makes the broker fsync every message before
# acknowledging it (log.flush.interval.messages=1); by default it leaves flushing to the OS.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DIR="${KAFKA_DIR:-$ROOT/.local/kafka}"
PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
LIBS="${KAFKA_LIBS:-$ROOT/.local/kafka/libs}"
DURABILITY="${DURABILITY:-default}"
PIDFILE="$DIR/kafka.pid"
LOG="$DIR/kafka.log"
CP="$LIBS/*"   # quoted everywhere: java expands the wildcard, not the shell

port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }
# A pid counts only if it is alive AND is a kafka.Kafka JVM (pids get reused after reboots/crashes).
our_pid() {
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' && echo "$pid"
}
wait_for_port() {
  local pid="$1" deadline=$((SECONDS + TIMEOUT))
  until port_open "$PORT"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "kafka: broker exited during startup; last log lines:" >&2; tail -n 40 "$LOG" >&2; rm -f "$PIDFILE"; exit 1
    fi
    if ((SECONDS >= deadline)); then
      echo "kafka: port $PORT not open after ${TIMEOUT}s (pid $pid still running); last log lines:" >&2
      tail -n 40 "$LOG" >&2; exit 1
    fi
    sleep 0.2
  done
}

mkdir -p "$DIR"
# Serialize concurrent start.sh runs (e.g. parallel test workers): the second one waits, then sees ours.
exec 9>"$DIR/start.lock"; flock 9

if pid="$(our_pid)"; then
  # Already started (possibly by a concurrent start.sh that is still waiting): just wait for it.
  wait_for_port "$pid"
  echo "kafka: already running (pid $pid) on 127.0.0.1:$PORT"; exit 0
fi
rm -f "$PIDFILE"
for p in "$PORT" "$CONTROLLER_PORT"; do
  if port_open "$p"; then
    echo "kafka: 127.0.0.1:$p is taken by a process that is not ours (no live $PIDFILE); refusing to start" >&2
    exit 1
  fi
done
command -v java >/dev/null || { echo "kafka: java not found (need JDK 11+, e.g. apt-get install openjdk-17-jre-headless)" >&2; exit 1; }

# 1. Jars: only hit Maven when the broker jar of the pinned version is missing. Download into a temp dir
#    and swap it in, so an interrupted download never leaves a half-filled libs/ that looks complete.
VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/pom.xml")"
if [[ ! -f "$LIBS/kafka_2.13-$VERSION.jar" ]]; then
  echo "kafka: fetching Apache Kafka $VERSION jars from Maven Central..."
  mkdir -p "$(dirname "$LIBS")"
  rm -rf "$LIBS.tmp"
  # Output is shown only on failure (Debian's mvn prints stray ANSI codes even with -q -B).
  out="$(mvn -q -B -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS.tmp" 2>&1)" || { echo "$out" >&2; echo "kafka: mvn failed" >&2; exit 1; }
  rm -rf "$LIBS" && mv "$LIBS.tmp" "$LIBS"
fi

# 2. Config: rewritten on every start so KAFKA_PORT / KAFKA_CONTROLLER_PORT changes apply. Replication
#    factors are 1 because there is one node; acks=all still means "written by every in-sync replica".
cat >"$DIR/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$DIR/data
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
PROPS
case "$DURABILITY" in
  fsync) echo "log.flush.interval.messages=1" >>"$DIR/server.properties" ;;
  default) ;;
  *) echo "kafka: DURABILITY must be default or fsync, not '$DURABILITY'" >&2; exit 1 ;;
esac

JAVA_OPTS=(${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m}
  -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true   # as Kafka's own kafka-run-class.sh
  "-Dlog4j.configuration=file:$HERE/log4j.properties")

# 3. Storage: the cluster id is generated once and kept; format only when log.dirs has no meta.properties,
#    so a restart keeps topics and offsets.
if [[ ! -s "$DIR/cluster-id" ]]; then
  java "${JAVA_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool random-uuid | tail -n 1 >"$DIR/cluster-id.tmp"
  mv "$DIR/cluster-id.tmp" "$DIR/cluster-id"
fi
if [[ ! -f "$DIR/data/meta.properties" ]]; then
  java "${JAVA_OPTS[@]}" -cp "$CP" kafka.tools.StorageTool format \
    -t "$(cat "$DIR/cluster-id")" -c "$DIR/server.properties" >/dev/null
fi

# 4. Run detached (setsid + nohup: survives the calling shell / npm exiting). The inner shell writes its own
#    pid and then execs java, so the pid file holds the JVM's pid whatever setsid does. 9>&- keeps the JVM
#    from inheriting (and forever holding) the start lock.
[[ -f "$LOG" ]] && mv -f "$LOG" "$LOG.1"
setsid nohup bash -c 'echo $$ >"$0"; exec "$@"' "$PIDFILE" \
  java "${JAVA_OPTS[@]}" -cp "$CP" kafka.Kafka "$DIR/server.properties" >"$LOG" 2>&1 </dev/null 9>&- &
for _ in $(seq 50); do [[ -s "$PIDFILE" ]] && break; sleep 0.1; done
pid="$(cat "$PIDFILE")"
wait_for_port "$pid"
echo "kafka: started (pid $pid) on 127.0.0.1:$PORT, data in $DIR/data, log in $LOG, durability $DURABILITY"
