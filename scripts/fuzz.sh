#!/usr/bin/env bash
# make fuzz: run every fuzz target briefly (FUZZTIME, default 15s each).
set -euo pipefail
cd "$(dirname "$0")/.."
t="${FUZZTIME:-15s}"
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== $pkg $f"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg"
  done
done
