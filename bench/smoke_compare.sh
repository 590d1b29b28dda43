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
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=4000 REPEAT=2 SEED=7
while getopts n:r:s: o; do
  case $o in n) RUNS=$OPTARG ;; r) REPEAT=$OPTARG ;; s) SEED=$OPTARG ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || { echo "usage: $0 [-n RUNS] [-r REPEAT] [-s SEED] LABEL=BUILD_DIR[@ASAN_OPTIONS]..." >&2; exit 2; }
WORK=$(mktemp -d /tmp/gcf-smoke-compare.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
first=${1#*=}; first=$(cd "${first%%@*}" && pwd)
mkdir "$WORK/corpus"
"$first/fuzzers/fuzz_program" -use_value_profile=1 -entropic=0 -seed="$SEED" -runs="$RUNS" \
  -max_len=2048 -timeout=30 -dict=fuzzers/fuzz_program.dict "$WORK/corpus" "$first/corpora/fuzz_program" \
  > "$WORK/gen.log" 2>&1 || { tail -20 "$WORK/gen.log"; exit 1; }
n=$(ls "$WORK/corpus" | wc -l)
echo "input set: $n inputs ($RUNS executions of $first from its seeds, -seed=$SEED); load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '| variant | build | ASAN_OPTIONS | run | CPU user + sys | executions per CPU second | peak RSS |\n|---|---|---|---:|---|---:|---:|\n'
for r in $(seq 1 "$REPEAT"); do
  for v in "$@"; do
    label=${v%%=*}; rest=${v#*=}; dir=${rest%%@*}; aopt=
    [ "$rest" != "$dir" ] && aopt=${rest#*@}
    shown=$dir; dir=$(cd "$dir" && pwd)
    ( cd "$WORK/corpus" && ASAN_OPTIONS="$aopt" /usr/bin/time -o "$WORK/time" -f '%U %S %M' \
        "$dir/fuzzers/fuzz_program" -detect_leaks=0 -timeout=30 ./* > "$WORK/run.log" 2>&1 ) ||
      { echo "$label failed:"; tail -20 "$WORK/run.log"; exit 1; }
    read -r u s m < "$WORK/time"
    awk -v l="$label" -v d="$shown" -v a="${aopt:--}" -v r="$r" -v u="$u" -v s="$s" -v m="$m" -v n="$n" \
      'BEGIN { printf "| %s | %s | %s | %d | %.2f + %.2f s | %.0f | %d MB |\n", l, d, a, r, u, s, n / (u + s), m / 1024 }'
  done
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
