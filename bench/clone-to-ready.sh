#!/bin/bash
# Clone to ready: clones this checkout to <dir>, runs `npm start` there on the given ports with
# <store-dir> as pnpm's store (an empty folder: a cold store), prints the time to "stack ready", stops it.
# usage: clone-to-ready.sh <dir> <store-dir> <gateway-port> <kafka-port> <db-suffix>
set -u
DIR=$1; STORE=$2
rm -rf "$DIR"
T0=$(date +%s.%N)
git clone -q "$(git -C "$(dirname "$0")" rev-parse --show-toplevel)" "$DIR"
cd "$DIR"
export npm_config_store_dir="$STORE" GATEWAY_PORT=$3 KAFKA_PORT=$4 DATABASE_SUFFIX=$5
setsid node infra/bin/run.mjs up > "$DIR.log" 2>&1 &
PID=$!
while ! grep -q "stack ready in" "$DIR.log"; do
  if ! kill -0 $PID 2>/dev/null; then echo "exited early"; tail -30 "$DIR.log"; exit 1; fi
  sleep 0.5
done
T1=$(date +%s.%N)
echo "clone to ready: $(echo "$T1 - $T0" | bc) s"
grep -E "✓|Kafka: (fetch|broker ready)|databases migrated" "$DIR.log"
kill -INT $PID; wait $PID
