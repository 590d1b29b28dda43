#!/bin/sh
# freerun_cli.sh GCFUZZ -- `gcfuzz run --free-running` and `gcfuzz gen
# --free-running` (docs/threads.md): a generated program passes (with
# --repeat), a program that breaks the discipline is a bad program (exit 2)
# with file:line:col, and options that do not go together are usage errors.
set -u
G=$1
T=$(mktemp -d /tmp/gcf-freerun-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
check() { # name want-status got-status
  if [ "$2" != "$3" ]; then echo "FAIL: $1: exit $3, want $2"; fail=1; else echo "ok: $1"; fi
}
"$G" gen --free-running --seed 7 --ops 100 > "$T/p.gcp"; check gen 0 $?
"$G" gen --free-running --seed 7 --ops 100 > "$T/q.gcp"
cmp -s "$T/p.gcp" "$T/q.gcp"; check "gen deterministic" 0 $?
grep -q '^thread [1-9]' "$T/p.gcp"; check "gen uses threads" 0 $?
"$G" run --free-running --repeat 3 "$T/p.gcp" > "$T/out" 2>&1; check "run generated" 0 $?
grep -q '^PASS .*free-running: .*3 run(s) from seed' "$T/out"; check "PASS line" 0 $?
"$G" run --free-running --seed 5 -q "$T/p.gcp"; check "run --seed -q" 0 $?
printf 'type N size=32 refs=1\na = new N\nthread 1\nb = new N\nb.0 = a\n' > "$T/bad.gcp"
"$G" run --free-running "$T/bad.gcp" 2> "$T/err"; check "discipline" 2 $?
grep -q "bad.gcp:5:1: free-running: local 'a' is used by thread 1" "$T/err"; check "discipline message" 0 $?
"$G" run --seed 5 "$T/p.gcp" 2> /dev/null; check "--seed alone" 64 $?
"$G" run --free-running --target mgc "$T/p.gcp" 2> /dev/null; check "--target with --free-running" 64 $?
"$G" gen --threads 3 --seed 1 > /dev/null 2>&1; check "gen --threads alone" 64 $?
exit $fail
