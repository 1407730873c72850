#!/usr/bin/env bash
# make demo: the main job on an example against the sandbox (examples/m365-nce by default; make demo
# also runs examples/cloudblue-nce and examples/mgn-wave) —
# validate → plan → apply (killed with kill -9 partway) → apply again (resume) → plan: No changes.
# KILL_AFTER is the number of journal records after which the first apply is killed (default 12).
# An apply that ends with only blocked changes left (exit 3, e.g. a server whose replication is
# stalled) counts as done.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ferry="$root/bin/ferry"
example="${1:-$root/examples/m365-nce}"
work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-demo.XXXXXX")
cp -r "$example"/. "$work"/
rm -f "$work"/ferry.state.json*

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

"$ferry" sandbox --world "$work/world.json" --listen 127.0.0.1:0 >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
trap 'kill "$sandbox_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^export FERRY_SANDBOX=' "$work/sandbox.log" 2>/dev/null && break
  sleep 0.1
done
line=$(grep '^export FERRY_SANDBOX=' "$work/sandbox.log") || { cat "$work/sandbox.log"; exit 1; }
eval "$line"
echo "sandbox: $FERRY_SANDBOX (world: $example/world.json, work dir: $work)"
cd "$work"

step "ferry validate"
"$ferry" validate

step "ferry plan"
"$ferry" plan

step "ferry apply --auto-approve   (killed with kill -9 partway through)"
"$ferry" apply --auto-approve --progress-interval 2s &
apply_pid=$!
journal="$work/ferry.state.json.journal"
for _ in $(seq 1 200); do
  if [ -f "$journal" ] && [ "$(wc -l <"$journal")" -ge "${KILL_AFTER:-12}" ]; then break; fi
  sleep 0.05
done
kill -9 "$apply_pid" 2>/dev/null || true
wait "$apply_pid" 2>/dev/null || true
echo
echo "*** killed ferry apply (kill -9) after $(wc -l <"$journal" 2>/dev/null || echo 0) journal records ***"

step "ferry plan   (after the crash: what is left)"
"$ferry" plan || true

step "ferry apply --auto-approve   (resume: intents are reconciled, nothing is sent twice)"
code=0
"$ferry" apply --auto-approve --progress-interval 2s || code=$?
if [ "$code" -ne 0 ] && [ "$code" -ne 3 ]; then exit "$code"; fi
[ "$code" -eq 3 ] && echo "(exit 3: only blocked changes remain)"

step "ferry plan --detailed-exitcode   (nothing left to do)"
"$ferry" plan --detailed-exitcode | tee "$work/final-plan.txt"
grep -q "No changes" "$work/final-plan.txt"

if command -v curl >/dev/null 2>&1; then
  step "sandbox request counts (/_sandbox/stats)"
  curl -s "$FERRY_SANDBOX/_sandbox/stats"; echo
fi
step "ferry report   (the last apply's report, rebuilt from the state alone)"
"$ferry" report --report-dir "$work/rebuilt"
echo "reports: $(ls -d "$work"/reports/* "$work"/rebuilt/* | tr '\n' ' ')"
echo "log:     $(ls "$work"/logs/*.log)"
step "done: everything ferry could do was done exactly once (state in $work)"
