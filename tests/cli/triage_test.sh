#!/usr/bin/env bash
# triage_test.sh GCFUZZ -- gcfuzz triage on the planted bugs (faulty:crash,
# faulty:hang, faulty:oom) and on a divergence (faulty:gen): each ends on
# time, gets its stable signature, a minimized reproducer of at most 10
# statements, and is confirmed 5/5; the findings database counts a known
# signature instead of filing it again; a passing program is not a finding.
set -u
G=$1
T=$(mktemp -d /tmp/gcf-triage-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }

. "$(dirname "$0")/planted.sh"
planted_programs "$T"

# check NAME TARGET SIGNATURE-REGEX TIMEOUT
check() {
  local name=$1 target=$2 want=$3 to=$4
  local t0=$SECONDS
  "$G" triage -q --target "$target" --timeout "$to" --rss-mb 256 --db "$T/db" \
       --report "$T/report.tsv" "$T/$name.gcp" > "$T/$name.out" 2>&1
  local rc=$? took=$((SECONDS - t0))
  if [ $rc = 1 ]; then ok; else bad "$name: exit $rc, want 1"; cat "$T/$name.out"; fi
  local line; line=$(grep -F "	$T/$name.gcp	" "$T/report.tsv" | tail -1)
  local status sig repro stmts runs
  IFS=$'\t' read -r status sig _ repro _ stmts runs <<< "$line"
  if [ "$status" = new ]; then ok; else bad "$name: status '$status', want new"; cat "$T/$name.out"; fi
  if [[ "$sig" =~ $want ]]; then ok; else bad "$name: signature '$sig' !~ '$want'"; fi
  if [[ "$sig" =~ 0x|[0-9]{3,} ]]; then bad "$name: signature holds an address or number: $sig"; else ok; fi
  if [ "$runs" = 5/5 ]; then ok; else bad "$name: confirmed $runs, want 5/5"; fi
  if [ -f "$repro" ] && [ "$(nstmts "$repro")" -le 10 ] && [ "$(nstmts "$repro")" -ge 1 ]; then ok; else
    bad "$name: reproducer '$repro' missing or longer than 10 statements"; fi
  if head -1 "$repro" | grep -qF "# minimized: $sig"; then ok; else bad "$name: reproducer header"; fi
  # the reproducer alone gives the same signature again
  "$G" triage -q --target "$target" --timeout "$to" --rss-mb 256 --rounds 2 --report "$T/again.tsv" \
       -o "$T" "$repro" > /dev/null 2>&1
  if [ "$(tail -1 "$T/again.tsv" | cut -f2)" = "$sig" ]; then ok; else
    bad "$name: the reproducer gives '$(tail -1 "$T/again.tsv" | cut -f2)', not '$sig'"; fi
  echo "$name: '$sig', $(nstmts "$repro") statements, $runs, ${took}s"
}

check crash faulty:crash '^(SEGV|SIGNAL SEGV) fz_planted_crash < fz_collect' 5
check hang faulty:hang '^TIMEOUT finalize$' 1
check oom faulty:oom '^OOM new <=' 10
check div faulty:gen '^C3 collect gen-mismatch$' 5

# known signature: counted, not filed again
"$G" triage -q --target faulty:crash --timeout 5 --db "$T/db" --report "$T/report.tsv" \
     "$T/crash.gcp" > "$T/known.out" 2>&1
if [ "$(tail -1 "$T/report.tsv" | cut -f1)" = known ]; then ok; else bad "second crash not 'known'"; cat "$T/known.out"; fi
if grep -q '^count=2$' "$T"/db/segv-*/meta; then ok; else bad "known crash not counted"; cat "$T"/db/*/meta; fi
if [ "$(ls "$T/db" | wc -l)" = 4 ]; then ok; else bad "database holds $(ls "$T/db" | wc -l) findings, want 4"; fi
for f in "$T"/db/*; do
  for k in signature count first_seen last_seen build status; do
    grep -q "^$k=." "$f/meta" || bad "$f/meta lacks $k"
  done
  [ -f "$f/min.gcp" ] && ls "$f"/first-input* > /dev/null 2>&1 || bad "$f lacks its files"
done

# a passing program is no finding (exit 0)
printf 'type Node size=32 refs=2\na = new Node\ncollect\n' > "$T/pass.gcp"
"$G" triage -q "$T/pass.gcp" > "$T/pass.out" 2>&1
if [ $? = 0 ] && grep -q "does not reproduce" "$T/pass.out"; then ok; else bad "passing program"; cat "$T/pass.out"; fi
# --text (fuzz_text inputs): a program and a syntax error with its position
# are both what the parser should do: no finding
printf 'type Node size=32 refs=2\na = new = x\n' > "$T/syntax.txt"
"$G" triage -q --text "$T/pass.gcp" "$T/syntax.txt" > "$T/text.out" 2>&1
if [ $? = 0 ] && [ "$(grep -c 'does not reproduce' "$T/text.out")" = 2 ]; then ok; else
  bad "--text on good inputs"; cat "$T/text.out"; fi
# --text findings are minimized: the planted parser bug of faulty:crash
# (.tgt.planted-text) needs both `handle pinned` and `collect 2` in the text;
# the reproducer keeps the signature and is far shorter than the input
cat > "$T/parse.txt" <<'P'
type Node size=32 refs=2
type Leaf size=24
a = new Node
b = new Leaf
c = new Node
h = handle pinned c
collect 0
d = new Leaf
collect 2
e = new Node
collect
P
"$G" triage -q --text --target faulty:crash --timeout 5 --db "$T/tdb" --report "$T/text.tsv" \
     "$T/parse.txt" > "$T/parse.out" 2>&1
rc=$?
IFS=$'\t' read -r status sig _ repro _ _ runs < "$T/text.tsv"
if [ $rc = 1 ] && [ "$status" = new ] && [ "$runs" = 5/5 ]; then ok; else
  bad "--text planted crash: exit $rc, status '$status', runs '$runs'"; cat "$T/parse.out"; fi
if [[ "$sig" =~ ^(SEGV|SIGNAL\ SEGV)\ fz_planted_parse_crash ]]; then ok; else bad "--text signature '$sig'"; fi
if [ -f "$repro" ] && [ "$(wc -c < "$repro")" -le 30 ] && grep -q 'handle pinned' "$repro" &&
   grep -q 'collect 2' "$repro"; then ok; else
  bad "--text reproducer '$repro' not minimized: $(wc -c < "$repro" 2>/dev/null) bytes"; cat "$T/parse.out"; fi
if cmp -s "$T/parse.txt" "$T"/tdb/*/first-input; then ok; else bad "--text first input not filed"; fi
"$G" triage -q --text --target faulty:crash --timeout 5 --rounds 2 --report "$T/text2.tsv" -o "$T" \
     "$repro" > /dev/null 2>&1
if [ "$(cut -f2 "$T/text2.tsv")" = "$sig" ]; then ok; else
  bad "--text reproducer gives '$(cut -f2 "$T/text2.tsv")', not '$sig'"; fi
# the planted parser bug exists only on the faulty:crash target
"$G" triage -q --text --timeout 5 "$repro" > /dev/null 2>&1
if [ $? = 0 ]; then ok; else bad "--text planted crash active without --target faulty:crash"; fi

# usage errors
"$G" triage --timeout 0 "$T/pass.gcp" > /dev/null 2>&1
if [ $? = 64 ]; then ok; else bad "--timeout 0 not a usage error"; fi

echo "triage: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
