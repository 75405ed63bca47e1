#!/usr/bin/env bash
# Stop the broker started by start.sh. Idempotent: exits 0 when it is not running.
# SIGTERM first so Kafka shuts down cleanly (flushes logs, no recovery on next start); SIGKILL after 30s.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${KAFKA_DIR:-$(cd "$HERE/../.." && pwd)/.local/kafka}"
PIDFILE="$DIR/kafka.pid"
TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"

pid="$(cat "$PIDFILE" 2>/dev/null || true)"
# Only signal the pid if it is still our kafka.Kafka JVM (the pid may have been reused).
if [[ -z "$pid" ]] || ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'; then
  rm -f "$PIDFILE"; echo "kafka: not running"; exit 0
fi

kill -TERM "$pid" 2>/dev/null || true
deadline=$((SECONDS + TIMEOUT))
while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
if kill -0 "$pid" 2>/dev/null; then
  echo "kafka: pid $pid still alive after ${TIMEOUT}s, sending SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
fi
rm -f "$PIDFILE"
echo "kafka: stopped (pid $pid)"
