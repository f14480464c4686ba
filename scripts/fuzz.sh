#!/usr/bin/env bash
# Builds the libFuzzer harnesses (preset `fuzz`) and runs each one for a
# bounded time on a scratch copy of its seed corpus (fuzz/corpus/<harness>;
# the committed corpus never grows). Fails if any harness crashes, leaks,
# times out or runs out of memory; the input that did it is kept.
#
# First every reproducer in fuzz/crashes/<harness>/ is replayed: those of
# fixed bugs must run clean; those listed in fuzz/crashes/OPEN (bugs still
# open) are only reported, and flagged when they start passing.
#
# Usage: scripts/fuzz.sh [SECONDS]       (per harness, default 30)
# Environment:
#   FUZZ_HARNESSES  space-separated subset to run (default: all eight)
#   FUZZ_ARTIFACTS  where crashing inputs and logs go (default build/fuzz/artifacts)
#   FUZZ_JOBS       ninja parallelism (default 2)
#   FUZZ_SEED       libFuzzer seed (default 1, so a CI run is reproducible; 0 = random)
set -euo pipefail

seconds="${1:-30}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "usage: $0 [SECONDS]" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
read -r -a harnesses <<<"${FUZZ_HARNESSES:-packet_fuzz reassembly_fuzz pcapng_fuzz pcap_fuzz msnp_fuzz warrant_fuzz ber_fuzz lemf_fuzz}"
artifacts="${FUZZ_ARTIFACTS:-$root/build/fuzz/artifacts}"

cmake --preset fuzz >/dev/null
ninja -j "${FUZZ_JOBS:-2}" -C build/fuzz "${harnesses[@]}"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/rcds-fuzz.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$artifacts"

# Last value of "<key>: N" (libFuzzer status lines) or of "stat::<key>: N".
last_value() { grep -oE "$1:? +[0-9]+" "$2" | tail -n 1 | grep -oE '[0-9]+$' || echo "?"; }

failed=()
summary=()
for h in "${harnesses[@]}"; do
  corpus="$scratch/$h"
  mkdir -p "$corpus"
  if [[ -d "fuzz/corpus/$h" ]]; then cp -r "fuzz/corpus/$h/." "$corpus/"; fi
  args=(-max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1
        -seed="${FUZZ_SEED:-1}" -artifact_prefix="$artifacts/$h-")
  if [[ -f "fuzz/$h.dict" ]]; then args+=(-dict="fuzz/$h.dict"); fi
  for input in "fuzz/crashes/$h"/*; do
    [[ -f "$input" ]] || continue
    name="$h/$(basename "$input")"
    known_open=0
    grep -qxF "$name" fuzz/crashes/OPEN 2>/dev/null && known_open=1
    if "build/fuzz/fuzz/$h" "$input" >"$artifacts/replay.log" 2>&1; then
      ((known_open)) && echo "== $name: passes now, remove it from fuzz/crashes/OPEN"
    elif ((known_open)); then
      echo "== $name: still fails (known open bug)"
    else
      echo "== $name: REGRESSION, a fixed bug is back" >&2
      grep -E "==rcds-fuzz==|ERROR:|SUMMARY:" "$artifacts/replay.log" >&2 || true
      failed+=("$name")
    fi
  done

  log="$artifacts/$h.log"
  echo "== $h: fuzzing for ${seconds}s (log: $log)"
  status=0
  "build/fuzz/fuzz/$h" "${args[@]}" "$corpus" >"$log" 2>&1 || status=$?

  line="$(printf '%-16s %s  execs %s  exec/s %s  cov %s  ft %s  corpus %s' "$h" \
    "$([[ $status -eq 0 ]] && echo ok || echo "FAILED($status)")" \
    "$(last_value stat::number_of_executed_units "$log")" \
    "$(last_value stat::average_exec_per_sec "$log")" \
    "$(last_value cov "$log")" "$(last_value ft "$log")" \
    "$(find "$corpus" -type f | wc -l)")"
  summary+=("$line")
  if ((status != 0)); then
    failed+=("$h")
    # The sanitizer or invariant report, and where the input was saved.
    grep -E "==rcds-fuzz==|ERROR:|SUMMARY:|^    #[0-9]+ |Test unit written" "$log" | head -n 60 >&2 || true
  fi
done

echo
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
  echo "fuzzing FAILED: ${failed[*]} (inputs and logs in $artifacts)" >&2
  exit 1
fi
echo "fuzzing passed: ${#harnesses[@]} harnesses, ${seconds}s each"
