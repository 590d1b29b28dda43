#!/usr/bin/env bash
# tests/outoftree_test.sh SOURCE_DIR BUILD_DIR -- the plug-in boundary from
# outside (docs/targets.md): install gcfuzz into a fresh prefix, build a
# target in a separate CMake project against the installed header only
# (tests/outoftree), load it with --target-lib and run the conformance suite
# with its expectations file; then the loader's and the expectations
# file's refusals.
set -u
SRC=$1
BUILD=$2
T=$(mktemp -d /tmp/gcf-outoftree.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

P=$T/prefix
cmake --install "$BUILD" --prefix "$P" > "$T/install.log" 2>&1 || { cat "$T/install.log"; bad "cmake --install"; exit 1; }
for f in bin/gcfuzz include/mgc.h include/gcfuzz/target.h lib/libmgc.so lib/gcfuzz/libgcfuzz_boehm.so \
         share/gcfuzz/boehm/expected.txt; do
  if [ -e "$P/$f" ]; then ok "installed $f"; else bad "installed $f"; fi
done
G=$P/bin/gcfuzz
EXP=$P/share/gcfuzz/boehm/expected.txt

if cmake -S "$SRC/tests/outoftree" -B "$T/build" -DGCFUZZ_PREFIX="$P" \
     -DTARGET_SOURCE="$SRC/targets/boehm/boehm_target.c" > "$T/cfg.log" 2>&1 &&
   cmake --build "$T/build" -j 2 > "$T/build.log" 2>&1; then
  ok "out-of-tree target builds against the installed header"
else
  cat "$T/cfg.log" "$T/build.log"; bad "out-of-tree target builds"; exit 1
fi
# the source tree's include/ is not on the out-of-tree compile lines
if grep -rq --include=flags.make -e "-I$SRC/include" "$T/build"; then
  bad "out-of-tree build uses only the installed header"
else
  ok "out-of-tree build uses only the installed header"
fi
LIB=$T/build/liboutoftree_target.so

"$G" conformance -q --target-lib "$LIB" --expect "$EXP" "$SRC/conformance" > "$T/conf.out" 2>&1
rc=$?
tail -1 "$T/conf.out" | grep -q "passed, 0 failed, [0-9]* expected deviations, 0 stale expectations"
if [ $rc = 0 ] && [ $? = 0 ]; then ok "conformance with its expectations file: $(tail -1 "$T/conf.out")"
else cat "$T/conf.out"; bad "conformance with its expectations file (exit $rc)"; fi
grep -q "^target boehm: not checked: C3" "$T/conf.out" && ok "the skipped checks are named" \
  || bad "the skipped checks are named"

# the same target built as an interface version 2 and 3 library: loaded,
# the later members NULL, the same results (.tgt.version-compat)
for v in 2 3; do
  "$G" conformance -q --target-lib "$T/build/libold_api_v$v.so" --expect "$EXP" "$SRC/conformance" \
      > "$T/old$v.out" 2>&1
  rc=$?
  if [ $rc = 0 ] && [ "$(tail -1 "$T/old$v.out")" = "$(tail -1 "$T/conf.out")" ]; then
    ok "an interface version $v target loads and conforms as the current one"
  else cat "$T/old$v.out"; bad "an interface version $v target (exit $rc)"; fi
done

# an expected deviation removed from the file: a new failure (exit 1)
grep -v "^001-alloc-basic" "$EXP" > "$T/less.txt"
"$G" conformance -q --target-lib "$LIB" --expect "$T/less.txt" "$SRC/conformance" > "$T/o" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "1 failed, 13 expected deviations" "$T/o"; then ok "unlisted deviation fails"
else cat "$T/o"; bad "unlisted deviation fails (exit $rc)"; fi
# a scenario that passes, listed as deviating: stale (exit 1)
{ cat "$EXP"; echo "002-loh-boundary | C4 new loh-mismatch | listed on purpose"; } > "$T/more.txt"
"$G" conformance -q --target-lib "$LIB" --expect "$T/more.txt" "$SRC/conformance" > "$T/o" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "^STALE .*002-loh-boundary.gcp: expected" "$T/o" && grep -q "1 stale expectations" "$T/o"
then ok "a deviation that no longer deviates is reported stale"
else cat "$T/o"; bad "stale expectation (exit $rc)"; fi
# the same scenario with another signature: a new failure, both named
sed 's/^001-alloc-basic | EX expect_collections value/001-alloc-basic | C3 collect gen-mismatch/' "$EXP" > "$T/other.txt"
"$G" conformance -q --target-lib "$LIB" --expect "$T/other.txt" "$SRC/conformance" > "$T/o" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "^NEW .*001-alloc-basic.gcp: failed with \`EX expect_collections value\`, expected \`C3 collect gen-mismatch\`" "$T/o"
then ok "another signature is a new failure"; else cat "$T/o"; bad "another signature (exit $rc)"; fi
# a scenario that is not in the suite: stale
{ cat "$EXP"; echo "999-nothing | C1 new x | gone"; } > "$T/gone.txt"
"$G" conformance -q --target-lib "$LIB" --expect "$T/gone.txt" "$SRC/conformance" > "$T/o" 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "^STALE $T/gone.txt:[0-9]*: scenario 999-nothing is not in" "$T/o"
then ok "a listed scenario missing from the suite is stale"; else cat "$T/o"; bad "missing scenario (exit $rc)"; fi
# malformed lines: file:line:col, exit 64
printf '# c\n001-alloc-basic | EX x\n' > "$T/bad1.txt"
"$G" conformance --target-lib "$LIB" --expect "$T/bad1.txt" "$SRC/conformance" > "$T/o" 2>&1
rc=$?
if [ $rc = 64 ] && grep -q "^$T/bad1.txt:2:[0-9]*: a line needs three fields" "$T/o"; then ok "malformed line: 64 with its position"
else cat "$T/o"; bad "malformed line (exit $rc)"; fi
printf '001-alloc-basic | EX x |   \n' > "$T/bad2.txt"
"$G" conformance --target-lib "$LIB" --expect "$T/bad2.txt" "$SRC/conformance" > "$T/o" 2>&1
rc=$?
if [ $rc = 64 ] && grep -q "^$T/bad2.txt:1:25: empty field" "$T/o"; then ok "empty reason: 64 with its position"
else cat "$T/o"; bad "empty reason (exit $rc)"; fi

# the loader's refusals
"$G" run --target-lib "$T/build/libbad_version.so" "$SRC/conformance/001-alloc-basic.gcp" > "$T/o" 2>&1
rc=$?
if [ $rc = 76 ] && grep -q "target interface version $(( $(sed -n 's/^#define HX_TARGET_API_VERSION \([0-9]*\)u$/\1/p' "$P/include/gcfuzz/target.h") + 1 ))" "$T/o"
then ok "another interface version: exit 76"; else cat "$T/o"; bad "another interface version (exit $rc)"; fi
if [ -e "$T/build/libcxx_entry.so" ]; then
  "$G" run --target-lib "$T/build/libcxx_entry.so" "$SRC/conformance/001-alloc-basic.gcp" > "$T/o" 2>&1
  rc=$?
  if [ $rc = 69 ] && grep -q "leaves the required member \`create\` NULL" "$T/o"
  then ok "a C++ target's entry is found; a missing member: exit 69"; else cat "$T/o"; bad "C++ entry (exit $rc)"; fi
fi
"$G" run --target-lib "$T/nonexistent.so" "$SRC/conformance/001-alloc-basic.gcp" > "$T/o" 2>&1
rc=$?
if [ $rc = 69 ] && grep -q "cannot load target library" "$T/o"; then ok "no such library: exit 69"
else cat "$T/o"; bad "no such library (exit $rc)"; fi
"$G" run --target-lib "$P/lib/libmgc.so" "$SRC/conformance/001-alloc-basic.gcp" > "$T/o" 2>&1
rc=$?
if [ $rc = 69 ] && grep -q "no entry function gcfuzz_target_entry" "$T/o"; then ok "a library without the entry: exit 69"
else cat "$T/o"; bad "no entry (exit $rc)"; fi
"$G" run --target mgc --target-lib "$LIB" "$SRC/conformance/001-alloc-basic.gcp" > "$T/o" 2>&1
rc=$?
if [ $rc = 64 ]; then ok "--target with --target-lib: 64"; else cat "$T/o"; bad "--target with --target-lib (exit $rc)"; fi

echo "1..$n"
[ $fails = 0 ]
