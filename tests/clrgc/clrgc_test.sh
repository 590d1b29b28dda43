#!/bin/bash
# clrgc_test.sh GCFUZZ SRCDIR FAKELIB LIBDIR -- the clrgc target libraries
# (LIBDIR/libgcf_clrgc*.so, loaded with --target-lib: CoreCLR's standalone
# collector) on this machine: the conformance suite against
# targets/clrgc/conformance.expect (segments and regions, one process per
# scenario and the whole suite in one process), the write-barrier
# reproducer with the correct and the test-only wrong barrier, and the
# refusals (another interface version, a missing library).  Exit 77 (ctest:
# skipped) with a message when no libclrgc.so is found.
set -u
G=$1; SRC=$2; FAKE=$3; LIBDIR=$4
lib() { case $1 in clrgc) echo "$LIBDIR/libgcf_clrgc.so" ;; clrgc-regions) echo "$LIBDIR/libgcf_clrgc_regions.so" ;;
                   clrgc-bad-barrier) echo "$LIBDIR/libgcf_clrgc_bad_barrier.so" ;; esac; }
fail=0
bad() { echo "FAIL: $*"; fail=1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

probe=$("$G" run -q --target-lib "$(lib clrgc)" --profile clr "$SRC/tests/clrgc/bad-barrier.gcp" 2>&1)
if echo "$probe" | grep -q "no libclrgc.so found"; then
    echo "SKIP: no libclrgc.so found (set GCF_CLRGC_LIB or install the .NET runtime): $probe"
    exit 77
fi
echo "$probe" | grep -q "^PASS\|passed" || [ -z "$probe" ] || bad "probe: $probe"

expect="$SRC/targets/clrgc/conformance.expect"
targets=(clrgc)
if "$G" run -q --target-lib "$(lib clrgc-regions)" --profile clr "$SRC/tests/clrgc/bad-barrier.gcp" >"$tmp/r" 2>&1; then
    targets+=(clrgc-regions)
else
    echo "note: clrgc-regions not run: $(head -1 "$tmp/r")"
fi

for t in "${targets[@]}"; do
    n=0; listed=0
    for f in "$SRC"/conformance/[0-9]*.gcp; do
        name=$(basename "$f"); n=$((n + 1))
        want=$(grep "^$name |" "$expect" | cut -d'|' -f2 | sed 's/^ *//; s/ *$//')
        "$G" run -q --target-lib "$(lib "$t")" --profile clr "$f" >"$tmp/out" 2>&1
        rc=$?
        if [ -z "$want" ]; then
            [ $rc = 0 ] || bad "$t $name: expected to pass, got rc=$rc: $(head -5 "$tmp/out")"
        else
            listed=$((listed + 1))
            got=$(grep -v '^PASS' "$tmp/out" | head -1 | sed 's/ *$//')
            case "$got" in
                "$want"|*": $want") ;;
                *) bad "$t $name: expected deviation '$want', got rc=$rc '$got'" ;;
            esac
            [ $rc != 0 ] || bad "$t $name: listed as a deviation but passed"
        fi
    done
    # the whole suite in one process: one collector, one target at a time
    sum=$("$G" conformance -q --target-lib "$(lib "$t")" --profile clr "$SRC/conformance" 2>/dev/null | tail -1)
    [ "$sum" = "$((n - listed)) passed, $listed failed" ] || bad "$t conformance in one process: '$sum'"
    echo "$t: $((n - listed)) scenarios pass, $listed expected deviations"
done

# the write barrier: correct passes, the test-only wrong one is caught (C9)
"$G" run -q --target-lib "$(lib clrgc)" --profile clr "$SRC/tests/clrgc/bad-barrier.gcp" >"$tmp/out" 2>&1 \
    || bad "bad-barrier.gcp fails with the correct barrier: $(head -5 "$tmp/out")"
"$G" run -q --target-lib "$(lib clrgc-bad-barrier)" --profile clr "$SRC/tests/clrgc/bad-barrier.gcp" >"$tmp/out" 2>&1
rc=$?
[ $rc = 1 ] && grep -q "^C9 collect verify-failed" "$tmp/out" && grep -q "card is clear" "$tmp/out" \
    || bad "the wrong barrier was not caught (rc=$rc): $(head -6 "$tmp/out")"

# determinism: a program run twice in its own process gives the same trace
# (collections, generations, finalizer calls), addresses aside
det() { "$G" run --trace --target-lib "$(lib clrgc)" --profile clr "$SRC/conformance/$1" 2>&1 |
        sed -E 's/0x[0-9a-f]+/ADDR/g'; }
for sc in 010-resurrection.gcp 029-finalizer-order.gcp; do
    [ "$(det $sc)" = "$(det $sc)" ] || bad "$sc: two runs differ"
done

# another interface version: refused, its GC_Initialize never called
GCF_CLRGC_LIB="$FAKE" "$G" run -q --target-lib "$(lib clrgc)" --profile clr "$SRC/tests/clrgc/bad-barrier.gcp" >"$tmp/out" 2>&1
rc=$?
{ [ $rc != 0 ] && [ $rc -lt 128 ] && grep -q "implements GC interface 4.0 (fake collector)" "$tmp/out" &&
  grep -q "written for major version 5" "$tmp/out"; } || bad "version mismatch (rc=$rc): $(cat "$tmp/out")"

# a missing library
GCF_CLRGC_LIB="$tmp/none.so" "$G" run -q --target-lib "$(lib clrgc)" --profile clr "$SRC/tests/clrgc/bad-barrier.gcp" >"$tmp/out" 2>&1
rc=$?
{ [ $rc != 0 ] && [ $rc -lt 128 ] && grep -q "cannot load $tmp/none.so" "$tmp/out"; } \
    || bad "missing library (rc=$rc): $(cat "$tmp/out")"

[ $fail = 0 ] && echo "clrgc: all checks passed"
exit $fail
