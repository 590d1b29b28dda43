#!/usr/bin/env bash
# clr_test.sh GCFUZZ -- `gen --clr-observable` and `clrdiff` (docs/clr.md):
# generated programs are deterministic and run clean on the runtime; clrdiff
# accepts observations that match the oracle and reports each kind of
# disagreement with its category and exit status.  No .NET needed.
set -u
G=$1
T=$(mktemp -d /tmp/gcf-clr.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
expect_status() {   # expect_status WANT DESCRIPTION -- CMD...
  local want=$1 what=$2; shift 3
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, want $want"; cat "$T/out" "$T/err"; fi
}
expect_out() {      # expect_out PATTERN DESCRIPTION (last command's stdout)
  if grep -qF -- "$1" "$T/out"; then ok; else bad "$2: stdout lacks '$1'"; cat "$T/out"; fi
}

# determinism and validity of generated programs
"$G" gen --clr-observable --seed 7 --ops 80 > "$T/a.gcp"
"$G" gen --clr-observable --seed 7 --ops 80 > "$T/b.gcp"
"$G" gen --clr-observable --seed 8 --ops 80 > "$T/c.gcp"
if cmp -s "$T/a.gcp" "$T/b.gcp"; then ok; else bad "same seed, different programs"; fi
if cmp -s "$T/a.gcp" "$T/c.gcp"; then bad "different seeds, same program"; else ok; fi
if grep -q "^expect " "$T/a.gcp"; then ok; else bad "a generated program without expectations"; fi
if grep -qE "^thread |budget=[1-9]|hard_limit" "$T/a.gcp"; then bad "a generated program uses what CoreCLR cannot follow"; else ok; fi
expect_status 0 "batch generation" -- "$G" gen --clr-observable --seed 100 --ops 60 --count 40 -o "$T/batch"
n=$(ls "$T/batch" | wc -l)
[ "$n" = 40 ] && ok || bad "batch wrote $n programs, want 40"
for f in "$T"/batch/*.gcp; do
  expect_status 0 "generated program $f runs clean on the runtime" -- "$G" run -q "$f"
done
expect_status 64 "--count without --clr-observable" -- "$G" gen --seed 1 --count 3 -o "$T/x"

# clrdiff on hand-written observations
prog() {  # prog COLLECT
  printf 'type Fin size=24 finalizer=count\ntype Node size=40 refs=2\na = new Node\nb = new Fin\ndrop b\n%s\nfinalize\nexpect gen a 1\nexpect finalized b 1\nexpect collections 0 1\n' "$1" > "$T/p.gcp"
}
prog "collect"
obs() {  # obs GEN FINCALLS
  printf 'program %s\nobs 8 gen %s\nobs 9 finalized 1\nobs 10 collections 1\nfin 7%s\nend %s runs=3\n' \
    "$T/p.gcp" "$1" "$2" "$T/p.gcp" > "$T/obs.txt"
}
obs 1 " 2"
expect_status 0 "matching observations" -- "$G" clrdiff "$T/obs.txt"
expect_out "1 programs, 0 disagree" "summary"
obs 0 " 2"
expect_status 1 "a younger generation after a gen2 collection, no pinning" -- "$G" clrdiff "$T/obs.txt"
expect_out "DISAGREE [gen] $T/p.gcp:8: \`expect gen a 1\`: oracle (clr) gen 1, CoreCLR gen 0" "gen disagreement"
expect_status 0 "an allowed category" -- "$G" clrdiff --allow gen "$T/obs.txt"
prog "collect 0"
expect_status 0 "a gen0 collection that did not promote (clr profile)" -- "$G" clrdiff "$T/obs.txt"
expect_out "1 no-promotion collections" "no-promotion followed"
prog "collect"
obs 1 ""
expect_status 1 "a finalizer call missing" -- "$G" clrdiff "$T/obs.txt"
expect_out "DISAGREE [finalizer]" "finalizer disagreement"
obs 1 " 1"
expect_status 1 "a finalizer call on a live object" -- "$G" clrdiff "$T/obs.txt"
expect_out "no pending entry" "finalizer on a live object"
prog "collect 0"
printf 'program %s\nobs 8 gen 1\nobs 9 finalized 1\nobs 10 collections 1\nfin 7 2\ngc 6 1\nend %s runs=3\n' "$T/p.gcp" "$T/p.gcp" > "$T/obs.txt"
expect_status 0 "a gen0 collection CoreCLR escalated to gen1" -- "$G" clrdiff "$T/obs.txt"
expect_out "1 escalated collections followed" "escalation followed"
prog "collect"
printf 'program %s\nobs 8 gen 1\nnondeterministic run 1 and run 2 differ\nend %s runs=3\n' "$T/p.gcp" "$T/p.gcp" > "$T/obs.txt"
expect_status 1 "a nondeterministic CoreCLR run" -- "$G" clrdiff "$T/obs.txt"
# CoreCLR runs that differ arrive as one block per distinct run (`variant K N`):
# each is compared with the oracle, the program is counted once
vobs() {  # vobs GEN1 GEN2
  printf 'program %s\nobs 8 gen %s\nobs 9 finalized 1\nobs 10 collections 1\nfin 7 2\nvariant 1 2 differ\nend %s runs=3\n' "$T/p.gcp" "$1" "$T/p.gcp" > "$T/obs.txt"
  printf 'program %s\nobs 8 gen %s\nobs 9 finalized 1\nobs 10 collections 1\nfin 7 2\nvariant 2 2 differ\nend %s runs=3\n' "$T/p.gcp" "$2" "$T/p.gcp" >> "$T/obs.txt"
}
vobs 1 1
expect_status 0 "two CoreCLR runs the clr profile both allows" -- "$G" clrdiff "$T/obs.txt"
expect_out "1 programs, 0 disagree" "variants counted as one program"
expect_out "1 programs ran differently on CoreCLR from run to run (1 further runs compared)" "variants counted"
vobs 1 0
expect_status 1 "a second CoreCLR run the clr profile does not allow" -- "$G" clrdiff "$T/obs.txt"
expect_out "DISAGREE [gen] $T/p.gcp:8" "the second run is compared"
printf 'program %s\nobs 8 gen 1\nvariant 3 2 x\nend %s runs=3\n' "$T/p.gcp" "$T/p.gcp" > "$T/obs.txt"
expect_status 2 "a malformed variant line" -- "$G" clrdiff "$T/obs.txt"
printf 'program %s\nbogus line\nend %s runs=3\n' "$T/p.gcp" "$T/p.gcp" > "$T/obs.txt"
expect_status 2 "a malformed observation" -- "$G" clrdiff "$T/obs.txt"
expect_status 64 "an unknown category" -- "$G" clrdiff --allow nope "$T/obs.txt"

# plug-mates (.clr.demote): an unpinned survivor CoreCLR keeps in gen0 is
# followed only when the runner's address order shows it next to a pinned one
printf 'type Node size=24\na = new Node\nb = new Node\np = handle pinned a\ncollect\nfinalize\nexpect gen a 0\nexpect gen b 0\n' > "$T/m.gcp"
mobs() {  # mobs EXTRA-LINES
  printf 'program %s\nobs 7 gen 0\nobs 8 gen 0\nfin 6\n%bend %s runs=3\n' "$T/m.gcp" "$1" "$T/m.gcp" > "$T/obs.txt"
}
mobs ""
expect_status 1 "a plug-mate without observed adjacency" -- "$G" clrdiff "$T/obs.txt"
expect_out "DISAGREE [gen-pinning] $T/m.gcp:8" "unproven plug-mate"
mobs 'pin 5 1 0\nmate 5 2 0 1 0\n'
expect_status 0 "a plug-mate next to a pinned survivor" -- "$G" clrdiff "$T/obs.txt"
expect_out "1 plug-mate demotions (1 directly next to the pinned object)" "plug-mate followed"
mobs 'mate 5 2 0 2 0\n'
expect_status 1 "a plug-mate next to an unpinned object" -- "$G" clrdiff "$T/obs.txt"
expect_out "DISAGREE [gen-pinning]" "plug-mate of an unpinned object"
mobs 'mate 5 2 0 1\n'
expect_status 2 "a malformed mate line" -- "$G" clrdiff "$T/obs.txt"

echo "clr_test: $pass passed, $fail failed"
[ "$fail" = 0 ]
