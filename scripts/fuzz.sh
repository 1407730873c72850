#!/usr/bin/env bash
# make fuzz: run every fuzz target briefly (FUZZTIME, default 15s each).
# Every Fuzz* target of every package is found and run; the decoders of remote data among them:
#   providers/connect:  FuzzDecodeConfigurations (configurations, parameters, requests, assets),
#                       FuzzDecodeError ({error_code, errors[]} or an HTML page),
#                       FuzzParseContentRange (Content-Range and Retry-After headers)
#   providers/commerce: FuzzDecodeOrder (orders, order lists, subscription lists),
#                       FuzzErrorMessage (APS {code, type, message} or an HTML page),
#                       FuzzParseRetryAfter
# Run one alone: go test ./providers/connect -run '^$' -fuzz '^FuzzDecodeError$' -fuzztime 30s
set -euo pipefail
cd "$(dirname "$0")/.."
t="${FUZZTIME:-15s}"
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== $pkg $f"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg"
  done
done
