#!/usr/bin/env bash
# cli_test.sh GCFUZZ -- the gcfuzz command line: exit statuses, error
# positions, round trips and determinism.  Each check compares a computed
# result with the documented one (docs/decisions.md .dec.exit).
set -u
G=$1
T=$(mktemp -d /tmp/gcf-cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }
# expect_status WANT DESCRIPTION -- CMD...
expect_status() {
  local want=$1 what=$2; shift 3
  "$@" >"$T/out" 2>"$T/err"; local got=$?
  if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, want $want"; cat "$T/err"; fi
}
expect_err() {   # expect_err PATTERN DESCRIPTION (on the last command's stderr)
  if grep -qF -- "$1" "$T/err"; then ok; else bad "$2: stderr lacks '$1'"; cat "$T/err"; fi
}

printf 'type Node size=32 refs=2\na = new Node\nb = new = x\n' > "$T/syntax.gcp"
expect_status 2 "syntax error" -- "$G" run "$T/syntax.gcp"
expect_err "syntax.gcp:3:9: expected a type name after 'new', got '='" "syntax error position"

printf 'type Node size=32 refs=2\na = new Node\ndrop a\nb = a.0\n' > "$T/dropped.gcp"
expect_status 2 "use of a dropped local" -- "$G" run "$T/dropped.gcp"
expect_err "dropped.gcp:4:1:" "dropped local position"

printf 'type Node size=32 refs=2\na = new Node\nh = handle weak a\nfree h\nfree h\n' > "$T/freed.gcp"
expect_status 2 "double free of a handle" -- "$G" run "$T/freed.gcp"
expect_err "freed.gcp:5:1:" "freed handle position"

printf 'type Node size=32 refs=2\na = new Node\nexpect gen a 2\n' > "$T/expect.gcp"
expect_status 1 "failed expectation" -- "$G" run "$T/expect.gcp"

printf 'type Node size=32 refs=2\na = new Node\ncollect 0\nexpect gen a 1\ncollect\nexpect gen a 2\nexpect collections 0 2\n' > "$T/pass.gcp"
expect_status 0 "passing program" -- "$G" run "$T/pass.gcp"

expect_status 66 "missing input" -- "$G" run "$T/nosuch.gcp"
expect_status 64 "unknown command" -- "$G" frobnicate
expect_status 64 "bad option" -- "$G" run --no-such-option "$T/pass.gcp"
expect_err "unknown option '--no-such-option'" "bad option named"
expect_status 0 "--version" -- "$G" --version
# getopt_long: a missing value, a bad value and a value for a flag name the
# option; options may follow the operands and take --name=VALUE
expect_status 64 "a missing value" -- "$G" run "$T/pass.gcp" --target
expect_err "option '--target' needs a value" "missing value named"
expect_status 64 "a bad --profile" -- "$G" run --profile bogus "$T/pass.gcp"
expect_err "--profile takes strict or clr, not 'bogus'" "bad profile named"
expect_status 64 "a value for a flag" -- "$G" run --quiet=yes "$T/pass.gcp"
expect_err "unknown option '--quiet=yes'" "flag with a value named"
expect_status 64 "minimize --timeout 0" -- "$G" minimize --timeout 0 "$T/pass.gcp" -o "$T/m.gcp"
expect_err "--timeout takes seconds" "bad limit named"
expect_status 64 "an option of another command" -- "$G" run --expect x "$T/pass.gcp"
for c in run repro decode encode gen minimize conformance heap fmt demo triage; do
  expect_status 0 "$c --help" -- "$G" "$c" --help
done

# gen is deterministic per seed, and different seeds give different programs
"$G" gen --seed 7 --ops 60 > "$T/g1.gcp"; "$G" gen --seed 7 --ops 60 > "$T/g2.gcp"
"$G" gen --seed 8 --ops 60 > "$T/g3.gcp"
if cmp -s "$T/g1.gcp" "$T/g2.gcp"; then ok; else bad "gen not deterministic"; fi
if cmp -s "$T/g1.gcp" "$T/g3.gcp"; then bad "gen ignores its seed"; else ok; fi

# encode then decode gives the canonical text back
"$G" fmt "$T/pass.gcp" > "$T/canon.gcp"
expect_status 0 "encode" -- "$G" encode "$T/pass.gcp" -o "$T/pass.bin"
"$G" decode "$T/pass.bin" > "$T/back.gcp"
if cmp -s "$T/canon.gcp" "$T/back.gcp"; then ok; else bad "decode(encode(p)) differs from fmt(p)"; diff "$T/canon.gcp" "$T/back.gcp"; fi

# a program the binary format cannot hold exactly is refused, not altered
printf 'type Big size=999999999999 refs=1\na = new Big\n' > "$T/big.gcp"
expect_status 2 "encode refuses an oversized fixed type" -- "$G" encode "$T/big.gcp" -o "$T/big.bin"
if [ -e "$T/big.bin" ]; then bad "encode wrote output for a refused program"; else ok; fi

# any bytes decode to a program that parses again (arbitrary but fixed
# bytes: slices of the gcfuzz binary itself)
for off in 0 4096 20000 65536; do
  dd if="$G" of="$T/random.bin" bs=1 skip=$off count=700 2>/dev/null
  "$G" decode --any-version "$T/random.bin" > "$T/random.gcp"
  expect_status 0 "decoded bytes at offset $off re-parse" -- "$G" fmt "$T/random.gcp"
done

# a binary input of another format version: a clear message and exit 65
printf '\001\240' > "$T/v1.bin"
expect_status 65 "decode of a version-1 input" -- "$G" decode "$T/v1.bin"
expect_err "binary format version 1, but this build reads version" "version message"
expect_status 65 "repro of a version-1 input" -- "$G" repro "$T/v1.bin"
expect_status 0 "decode --any-version" -- "$G" decode --any-version "$T/v1.bin"

# .exec.crash-only: with GCF_CRASH_ONLY=1 the oracle's verdicts do not fail
# a run (the baseline of docs/power.md); a divergence fails it otherwise
cat > "$T/div.gcp" <<'P'
type Node size=32 refs=2
a = new Node
b = new Node
collect 0
c = new Node
collect 1
P
expect_status 1 "a divergence on faulty:gen" -- "$G" run -q --target faulty:gen "$T/div.gcp"
expect_status 1 "options after the operand, --name=VALUE" -- "$G" run "$T/div.gcp" -q --target=faulty:gen
expect_status 0 "the same divergence with GCF_CRASH_ONLY=1" -- \
  env GCF_CRASH_ONLY=1 "$G" run -q --target faulty:gen "$T/div.gcp"
printf 'type Node size=32 refs=2\na = new Node\nb = a.0\nb.0 = a\n' > "$T/null.gcp"
expect_status 2 "a program error still fails with GCF_CRASH_ONLY=1" -- \
  env GCF_CRASH_ONLY=1 "$G" run -q "$T/null.gcp"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
