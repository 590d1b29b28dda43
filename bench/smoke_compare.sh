#!/usr/bin/env bash
# bench/smoke_compare.sh [-n RUNS] [-r REPEAT] [-s SEED] VARIANT...
#
# Cost per execution of fuzz_program builds on one fixed input set, for
# choosing the smoke run's build and ASan options (docs/benchmarks.md, "The
# smoke run at speed").  A VARIANT is LABEL=BUILD_DIR or
# LABEL=BUILD_DIR@ASAN_OPTIONS (e.g. q32=build/fuzz@quarantine_size_mb=32).
#
# The input set: the corpus the first variant's fuzz_program keeps in its
# first RUNS executions from the build's seed corpus (libFuzzer -seed=SEED
# -runs=RUNS, the smoke run's options, default 4000 and 7).  Every variant
# then executes each input once (libFuzzer's file mode: no mutation, no
# feature bookkeeping, -detect_leaks=0 so that the one leak check at exit
# does not count), REPEAT times (default 2), the variants alternating so
# that they share the machine's load.  Printed: CPU seconds (user + sys of
# the process), executions per CPU second and peak RSS of every run.
#
# -l: each variant loads the input set as a fuzzing run loads its corpus
# instead (libFuzzer -runs=0 with an empty output corpus, the smoke run's
# options: fuzzers/fuzz_program.options, -entropic=0, ASan's quarantine at
# 32 MiB before the variant's ASAN_OPTIONS), so that what a fuzzing run
# pays per execution besides the execution counts too: feature bookkeeping
# and libFuzzer's leak detection (an input whose execution allocated more
# blocks than it freed is run again, then checked for leaks).  The
# executions column then counts libFuzzer's executions, re-runs excluded.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=4000 REPEAT=2 SEED=7 LOAD=0
while getopts n:r:s:l o; do
  case $o in n) RUNS=$OPTARG ;; r) REPEAT=$OPTARG ;; s) SEED=$OPTARG ;; l) LOAD=1 ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n RUNS] [-r REPEAT] [-s SEED] [-l] LABEL=BUILD_DIR[@ASAN_OPTIONS]..." >&2; exit 2; }
lopts=()
if [ $LOAD = 1 ]; then
  while IFS='=' read -r k v; do
    k=$(tr -d ' \t' <<< "$k"); v=$(tr -d ' \t' <<< "$v")
    case "$k" in ''|'#'*|'['*|max_len|dict|timeout|rss_limit_mb|malloc_limit_mb) continue ;; esac
    lopts+=(-"$k"="$v")
  done < fuzzers/fuzz_program.options
  lopts+=(-entropic=0 -runs=0 -print_final_stats=1 -max_len=2048 -timeout=30)
fi
WORK=$(mktemp -d /tmp/gcf-smoke-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
first=${1#*=}; first=$(cd "${first%%@*}" && pwd)
mkdir "$WORK/corpus"
"$first/fuzzers/fuzz_program" -use_value_profile=1 -entropic=0 -seed="$SEED" -runs="$RUNS" \
  -max_len=2048 -timeout=30 -dict=fuzzers/fuzz_program.dict "$WORK/corpus" "$first/corpora/fuzz_program" \
  > "$WORK/gen.log" 2>&1 || { tail -20 "$WORK/gen.log"; exit 1; }
n=$(ls "$WORK/corpus" | wc -l)
echo "input set: $n inputs ($RUNS executions of $first from its seeds, -seed=$SEED); load average $(cut -d' ' -f1-3 /proc/loadavg)"
[ $LOAD = 1 ] && echo "loaded as a fuzzing run's corpus: ${lopts[*]}, ASAN_OPTIONS quarantine_size_mb=32 first"
printf '| variant | build | ASAN_OPTIONS | run | CPU user + sys | executions per CPU second | peak RSS |\n|---|---|---|---:|---|---:|---:|\n'
for r in $(seq 1 "$REPEAT"); do
  for v in "$@"; do
    label=${v%%=*}; rest=${v#*=}; dir=${rest%%@*}; aopt=
    [ "$rest" != "$dir" ] && aopt=${rest#*@}
    shown=$dir; dir=$(cd "$dir" && pwd)
    if [ $LOAD = 1 ]; then
      rm -rf "$WORK/out"; mkdir "$WORK/out"
      ASAN_OPTIONS="quarantine_size_mb=32${aopt:+:$aopt}" /usr/bin/time -o "$WORK/time" -f '%U %S %M' \
        "$dir/fuzzers/fuzz_program" "${lopts[@]}" "$WORK/out" "$WORK/corpus" > "$WORK/run.log" 2>&1 ||
        { echo "$label failed:"; tail -20 "$WORK/run.log"; exit 1; }
    else
      ( cd "$WORK/corpus" && ASAN_OPTIONS="$aopt" /usr/bin/time -o "$WORK/time" -f '%U %S %M' \
          "$dir/fuzzers/fuzz_program" -detect_leaks=0 -timeout=30 ./* > "$WORK/run.log" 2>&1 ) ||
        { echo "$label failed:"; tail -20 "$WORK/run.log"; exit 1; }
    fi
    read -r u s m < "$WORK/time"
    awk -v l="$label" -v d="$shown" -v a="${aopt:--}" -v r="$r" -v u="$u" -v s="$s" -v m="$m" -v n="$n" \
      'BEGIN { printf "| %s | %s | %s | %d | %.2f + %.2f s | %.0f | %d MB |\n", l, d, a, r, u, s, n / (u + s), m / 1024 }'
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
