#!/usr/bin/env bash
# minimize_test.sh GCFUZZ -- gcfuzz minimize on the planted bugs
# (faulty:crash, faulty:hang, faulty:oom) and on a divergence (faulty:gen):
# each ends in bounded time (the input and every candidate run in a child
# under --timeout/--rss-mb), writes a reproducer of at most 10 statements
# under `# minimized: SIGNATURE`, and that reproducer alone gives the same
# signature again (replayed by gcfuzz triage, which signs the same way).
# Also: a passing input is refused (exit 1) and writes nothing.
set -u
G=$1
T=$(mktemp -d /tmp/gcf-minimize-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }

. "$(dirname "$0")/planted.sh"
planted_programs "$T"

# check NAME TARGET SIGNATURE-REGEX TIMEOUT
# Bounded time is the minimizer's own: a search budget (--min-seconds,
# --max-tests: defaults) and a per-run limit (--timeout); the outer `timeout` (exit
# 124) fails the test if the minimizer does not end.  The seconds taken are
# printed, not compared: a wall-clock bound fails on a loaded machine.
check() {
  local name=$1 target=$2 want=$3 to=$4
  local t0=$SECONDS
  timeout 300 "$G" minimize --target "$target" --timeout "$to" --rss-mb 256 \
      "$T/$name.gcp" -o "$T/$name.min.gcp" > "$T/$name.out" 2>&1
  local rc=$? took=$((SECONDS - t0))
  if [ $rc = 0 ]; then ok; else bad "$name: exit $rc, want 0 (124: did not end)"; cat "$T/$name.out"; return; fi
  local sig; sig=$(sed -n '1s/^# minimized: //p' "$T/$name.min.gcp")
  if [[ "$sig" =~ $want ]]; then ok; else bad "$name: signature '$sig' !~ '$want'"; cat "$T/$name.out"; fi
  if grep -qF "signature \`$sig\`" "$T/$name.out"; then ok; else bad "$name: no signature line"; cat "$T/$name.out"; fi
  if [[ "$sig" =~ 0x|[0-9]{3,} ]]; then bad "$name: signature holds an address or number: $sig"; else ok; fi
  local n; n=$(nstmts "$T/$name.min.gcp")
  if [ "$n" -ge 1 ] && [ "$n" -le 10 ] && [ "$n" -lt "$(nstmts "$T/$name.gcp")" ]; then ok; else
    bad "$name: reproducer has $n statements (want 1..10, fewer than the input)"; fi
  # the reproducer alone fails with the same signature
  "$G" triage -q --target "$target" --timeout "$to" --rss-mb 256 --rounds 2 --report "$T/again.tsv" \
       -o "$T" "$T/$name.min.gcp" > /dev/null 2>&1
  local again; again=$(tail -1 "$T/again.tsv" | cut -f2)
  if [ "$again" = "$sig" ]; then ok; else bad "$name: the reproducer gives '$again', not '$sig'"; fi
  echo "$name: '$sig', $n statements, ${took}s"
}

check crash faulty:crash '^(SEGV|SIGNAL SEGV) fz_planted_crash < fz_collect' 5
check hang faulty:hang '^TIMEOUT finalize$' 1
check oom faulty:oom '^OOM new <=' 10
check div faulty:gen '^C3 collect gen-mismatch$' 5

# a divergence keeps the header minimize always wrote
if [ "$(head -1 "$T/div.min.gcp")" = "# minimized: C3 collect gen-mismatch" ]; then ok; else
  bad "div header: $(head -1 "$T/div.min.gcp")"; fi

# a passing program: nothing to minimize, exit 1, no output file
printf 'type Node size=32 refs=2\na = new Node\ncollect\n' > "$T/pass.gcp"
"$G" minimize "$T/pass.gcp" -o "$T/pass.min.gcp" > "$T/pass.out" 2>&1
rc=$?
if [ $rc = 1 ] && [ ! -e "$T/pass.min.gcp" ] && grep -q "nothing to minimize" "$T/pass.out"; then ok; else
  bad "passing program: exit $rc"; cat "$T/pass.out"; fi
# bad limits are usage errors
"$G" minimize --timeout 0 "$T/div.gcp" -o "$T/x.gcp" > /dev/null 2>&1
if [ $? = 64 ]; then ok; else bad "--timeout 0 not a usage error"; fi
"$G" minimize --rss-mb x "$T/div.gcp" -o "$T/x.gcp" > /dev/null 2>&1
if [ $? = 64 ]; then ok; else bad "--rss-mb x not a usage error"; fi

echo "minimize: $pass passed, $fail failed"
[ $fail = 0 ]
