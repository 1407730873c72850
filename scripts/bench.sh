#!/usr/bin/env bash
# make bench: Go benchmarks of the engine's parts, then end-to-end figures against the sandbox.
# The state's figures are taken on both backends: the local file and PostgreSQL (a throw-away
# cluster started here unless FERRY_TEST_PG_URL names a server).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${FERRY_TEST_PG_URL:-}" ]; then
  pgdir=$(mktemp -d /tmp/ferry-bench-pg.XXXXXX)
  chmod 755 "$pgdir"
  trap 'scripts/pg-cluster.sh stop "$pgdir/cluster"; rm -rf "$pgdir"' EXIT
  FERRY_TEST_PG_URL=$(scripts/pg-cluster.sh start "$pgdir/cluster")
  export FERRY_TEST_PG_URL
fi
if [ "${1:-}" != "-plan-only" ]; then
  echo "# Go benchmarks (engine parts)"
  go test -run '^$' -bench . -benchmem -benchtime 3x ./state/ ./planner/ ./hclspec/ ./executor/
  echo
  echo "# Journal cost per step (intent + outcome, 10 000 steps, state of 10 000 resources), local file vs PostgreSQL"
  out=$(mktemp)
  go test -run '^$' -bench 'JournalStep' -benchtime 10000x ./state/ | tee "$out"
  awk '/^BenchmarkJournalStep/ {
         k = ($1 ~ /Parallel/) ? "10 writers" : "1 writer"
         b = ($1 ~ /postgres/) ? "pg" : "local"
         v[k, b] = $3
       }
       END {
         n = split("1 writer,10 writers", ks, ",")
         for (i = 1; i <= n; i++) {
           k = ks[i]
           if (v[k, "local"] > 0 && v[k, "pg"] > 0)
             printf "journal cost per step, %s: local file %.2f ms, PostgreSQL %.2f ms (%.2fx the local file)\n", k, v[k, "local"] / 1e6, v[k, "pg"] / 1e6, v[k, "pg"] / v[k, "local"]
         }
       }' "$out"
  rm -f "$out"
  echo
  echo "# AWS MGN: plan and apply of 1 000 ready servers in the sandbox (launch jobs of 2 s)"
  go test -count=1 -run '^TestMGNThousandServers$' -v ./cmd/ferry | grep -E 'apply of|^--- |^ok|FAIL' || true
  echo
fi
echo "# End to end against the sandbox (each command a separate process)"
go build -o bin/gen ./providers/partnercenter/examplegen/gen
go run ./scripts/bench -ferry bin/ferry -gen bin/gen -pg-url "$FERRY_TEST_PG_URL" "$@"
