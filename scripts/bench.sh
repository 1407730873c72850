#!/usr/bin/env bash
# make bench: Go benchmarks of the engine's parts, then end-to-end figures against the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "-plan-only" ]; then
  echo "# Go benchmarks (engine parts)"
  go test -run '^$' -bench . -benchmem -benchtime 3x ./state/ ./planner/ ./hclspec/ ./executor/
  echo
  echo "# AWS MGN: plan and apply of 1 000 ready servers in the sandbox (launch jobs of 2 s)"
  go test -count=1 -run '^TestMGNThousandServers$' -v ./cmd/ferry | grep -E 'apply of|^--- |^ok|FAIL' || true
  echo
fi
echo "# End to end against the sandbox (each command a separate process)"
go build -o bin/gen ./providers/partnercenter/examplegen/gen
go run ./scripts/bench -ferry bin/ferry -gen bin/gen "$@"
