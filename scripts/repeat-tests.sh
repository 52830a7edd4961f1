#!/usr/bin/env bash
# Runs the test suite N times, each with a fresh seed, and lists the seeds that failed.
#
#   bash scripts/repeat-tests.sh [N] [vitest arguments...]
#   bash scripts/repeat-tests.sh 30                       # the whole suite, 30 times
#   bash scripts/repeat-tests.sh 100 tests/lpl/rules.test.ts
#
# Each run's output goes to runs/repeat-tests/<seed>.log; a failure replays with
#   FC_SEED=<seed> npx vitest run <file>
# Exits 1 when any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${1:-30}
shift || true
if ! [[ "$runs" =~ ^[0-9]+$ ]] || [ "$runs" -lt 1 ]; then
  echo "repeat-tests: N must be a positive integer, got '$runs'" >&2
  exit 2
fi
logs=runs/repeat-tests
mkdir -p "$logs"

failed_seeds=()
for ((i = 1; i <= runs; i++)); do
  seed=$(shuf -i 0-2147483647 -n 1)
  start=$SECONDS
  if FC_SEED=$seed npx vitest run "$@" >"$logs/$seed.log" 2>&1; then
    verdict=passed
  else
    verdict=FAILED
    failed_seeds+=("$seed")
  fi
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/$seed.log" | grep -E '^ *Tests ' | tr -s ' ' | tail -1)
  echo "run $i/$runs seed $seed: $verdict ($((SECONDS - start)) s;${summary:- no summary})"
done

echo "repeat-tests: $((runs - ${#failed_seeds[@]})) of $runs runs passed"
if [ ${#failed_seeds[@]} -gt 0 ]; then
  for seed in "${failed_seeds[@]}"; do echo "  failed: FC_SEED=$seed (log: $logs/$seed.log)"; done
  exit 1
fi
