#!/usr/bin/env bash
# bench/mutator_compare.sh [SECONDS [REPS]] -- byte-level against
# structure-aware mutation of fuzz_program (fuzzers/mutator.c), same build,
# same seeds, same time; prints markdown tables (docs/benchmarks.md
# "mutator").
#
# Both modes run at the same time, one process each, so they share the
# machine's load; every repetition r uses libFuzzer -seed=r in both.  The
# seeds are the build's seed corpus minus every seed that already reaches a
# planted bug (found by replaying each seed on each faulty target).
#  1. coverage: SECONDS (default 60) from the seeds into an empty corpus:
#     executions, exec/s, edges and features at the end, and edges and
#     features after the first E executions (E = the fewest any run made),
#     which the machine's load does not change;
#  2. executions to the first finding of each planted bug (faulty:crash,
#     faulty:oom, faulty:hang: tests/cli/planted.sh, docs/targets.md
#     .tgt.planted), at most SECONDS each; "-" when none in time.
# Medians over REPS (default 3) repetitions; every run is listed too.
#   GCF_BUILD_DIR=DIR   the fuzz-campaign build (default build/fuzz-campaign)
#   GCF_BENCH_BUGS="crash oom hang"   the planted bugs measured
# Other pairs of arms (the same tables): GCF_BENCH_MODES="MODE_A MODE_B"
# (default "byte struct"), GCF_BENCH_FLAGS_A / GCF_BENCH_FLAGS_B libFuzzer
# flags of one arm, GCF_BENCH_FLAGS of both (after the defaults below: they
# win).  bench/mutator_compare.sh with GCF_BENCH_MODES="byte byte" and
# GCF_BENCH_FLAGS_B=-entropic_scale_per_exec_time=1 compares the scheduling
# (docs/benchmarks.md, "Scheduling by execution time").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SECS=${1:-60}
REPS=${2:-3}
B=${GCF_BUILD_DIR:-$ROOT/build/fuzz-campaign}
BIN=$B/fuzzers/fuzz_program
BUGS=${GCF_BENCH_BUGS:-crash oom hang}
[ -x "$BIN" ] || { echo "mutator_compare: build $BIN first (cmake --preset fuzz-campaign && cmake --build build/fuzz-campaign --target fuzz_program seed_corpora)" >&2; exit 2; }
T=$(mktemp -d /tmp/gcf-mutbench.XXXXXX)
trap 'rm -rf "$T"' EXIT
set -m
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done; }
trap 'cleanup; rm -rf "$T"; exit 130' INT TERM

mkdir -p "$T/seeds"
for f in "$B"/corpora/fuzz_program/*; do
  clean=1
  for bug in $BUGS; do
    GCF_FUZZ_TARGET=faulty:$bug timeout 20 "$BIN" -runs=0 -timeout=2 -rss_limit_mb=300 "$f" \
      >/dev/null 2>&1 || { clean=0; break; }
  done
  [ $clean = 1 ] && cp "$f" "$T/seeds/"
done
OPTS=(-use_value_profile=1 -dict="$ROOT/fuzzers/fuzz_program.dict" -max_len=2048
      -print_final_stats=1 -timeout=2 -rss_limit_mb=300 -malloc_limit_mb=300)
read -r -a extra <<< "${GCF_BENCH_FLAGS:-}"
OPTS+=("${extra[@]}")
read -r MODE_A MODE_B <<< "${GCF_BENCH_MODES:-byte struct}"
[ -n "$MODE_A" ] && [ -n "$MODE_B" ] || { echo "mutator_compare: GCF_BENCH_MODES needs two modes" >&2; exit 2; }
read -r -a FLAGS_A <<< "${GCF_BENCH_FLAGS_A:-}"
read -r -a FLAGS_B <<< "${GCF_BENCH_FLAGS_B:-}"
# the arms: a and b; their labels in the tables
LABEL_a="$MODE_A${FLAGS_A[*]:+ ${FLAGS_A[*]}}"
LABEL_b="$MODE_B${FLAGS_B[*]:+ ${FLAGS_B[*]}}"
echo "mutator_compare: $(ls "$T/seeds" | wc -l) seeds (of $(ls "$B/corpora/fuzz_program" | wc -l)), ${SECS}s, $REPS repetitions, $(git rev-parse --short HEAD 2>/dev/null)"
echo "mutator_compare: load at start: $(uptime | sed 's/.*load average: //')"

# run ARM NAME TARGET SECS SEED: one libFuzzer process in the background
run() {
  local arm=$1 name=$2 target=$3 secs=$4 seed=$5 mode
  local -a flags
  if [ "$arm" = a ]; then mode=$MODE_A; flags=("${FLAGS_A[@]}"); else mode=$MODE_B; flags=("${FLAGS_B[@]}"); fi
  mkdir -p "$T/$name/corpus" "$T/$name/art"
  # a watchdog: libFuzzer can hang in its own timeout handler when a crash
  # report takes longer than -timeout to print (seen under heavy load)
  ( cd "$T/$name" && GCF_MUTATOR=$mode GCF_FUZZ_TARGET=$target exec timeout -s KILL $((secs + 60)) "$BIN" "${OPTS[@]}" "${flags[@]}" \
      -seed="$seed" -max_total_time="$secs" -artifact_prefix="$T/$name/art/" \
      "$T/$name/corpus" "$T/seeds" ) > "$T/$name/log" 2>&1 &
  pids+=($!)
}
waitall() { for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
fstat() { { grep -o "stat::$2: *[0-9]*" "$T/$1/log" || true; } | { grep -o '[0-9]*$' || true; } | tail -1; }
# last status value of field F (cov:, ft:) among lines with at most E executions
at_execs() {
  awk -v e="$3" -v f="$2" '/^#[0-9]+/ && / cov: / { n = substr($1, 2) + 0; if (n > e) exit;
    for (i = 2; i <= NF; i++) if ($i == f) v = $(i + 1) } END { print v + 0 }' "$T/$1/log"
}
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# ---- 1. coverage ----------------------------------------------------------
for r in $(seq 1 "$REPS"); do
  run a "cov-a-$r" "" "$SECS" "$r"
  run b "cov-b-$r" "" "$SECS" "$r"
  waitall
done
E=
for m in a b; do for r in $(seq 1 "$REPS"); do
  x=$(fstat "cov-$m-$r" number_of_executed_units); x=${x:-0}
  if [ -z "$E" ] || [ "$x" -lt "$E" ]; then E=$x; fi
done; done
echo
echo "Coverage, ${SECS} s from the same seeds (E = $E executions: the fewest of any run)"
echo
echo "| arm | run | executions | exec/s | edges | features | corpus | edges at E | features at E |"
echo "|---|---|---|---|---|---|---|---|---|"
for m in a b; do
  lab=LABEL_$m
  for r in $(seq 1 "$REPS"); do
    d=cov-$m-$r
    last=$(grep -E '^#[0-9]+' "$T/$d/log" | grep ' cov: ' | tail -1)
    cov=$(grep -o 'cov: [0-9]*' <<< "$last" | grep -o '[0-9]*'); ft=$(grep -o 'ft: [0-9]*' <<< "$last" | grep -o '[0-9]*')
    corp=$(ls "$T/$d/corpus" | wc -l)
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${!lab}" "$r" "$(fstat "$d" number_of_executed_units)" \
      "$(fstat "$d" average_exec_per_sec)" "$cov" "$ft" "$corp" "$(at_execs "$d" cov: "$E")" "$(at_execs "$d" ft: "$E")" \
      | tee -a "$T/cov-$m.rows"
  done
done
for m in a b; do
  lab=LABEL_$m
  col() { cut -d'|' -f"$1" "$T/cov-$m.rows" | tr -d ' ' | median; }
  printf '| **%s, median** | | %s | %s | %s | %s | %s | %s | %s |\n' "${!lab}" "$(col 4)" "$(col 5)" "$(col 6)" "$(col 7)" "$(col 8)" "$(col 9)" "$(col 10)"
done

# ---- 2. executions to the first finding ---------------------------------
echo
echo "Executions to the first finding of each planted bug (at most ${SECS} s; - = none)"
echo
echo "| bug | arm | runs (executions, seconds) | found | median executions |"
echo "|---|---|---|---|---|"
for bug in $BUGS; do
  for r in $(seq 1 "$REPS"); do
    run a "bug-$bug-a-$r" "faulty:$bug" "$SECS" "$r"
    run b "bug-$bug-b-$r" "faulty:$bug" "$SECS" "$r"
    waitall
  done
  for m in a b; do
    lab=LABEL_$m
    runs="" found=0
    : > "$T/ex"
    for r in $(seq 1 "$REPS"); do
      d=bug-$bug-$m-$r
      x=$(fstat "$d" number_of_executed_units); x=${x:-?}
      if [ -n "$(ls "$T/$d/art")" ]; then
        found=$((found + 1)); echo "$x" >> "$T/ex"; runs+="$x, "
      else
        runs+="- ($x), "
      fi
    done
    med=$(median < "$T/ex")
    [ "$found" -lt $(((REPS + 1) / 2)) ] && med="- (found in $found of $REPS)"
    printf '| %s | %s | %s | %s/%s | %s |\n' "$bug" "${!lab}" "${runs%, }" "$found" "$REPS" "$med"
  done
done
echo
echo "mutator_compare: load at end: $(uptime | sed 's/.*load average: //')"
