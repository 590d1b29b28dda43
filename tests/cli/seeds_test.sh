#!/usr/bin/env bash
# seeds_test.sh GCFUZZ SEEDDIR SRCDIR -- the generated seed corpora match
# their sources:
#   - every binary seed listed in SEEDDIR/seeds.tsv exists, carries this
#     build's format version and decodes to exactly the canonical text
#     (gcfuzz fmt) of its .gcp source;
#   - every conformance scenario and fuzz_program regression is listed;
#   - the repository keeps no binary seed (they are all generated);
#   - every .gcp file of conformance/ and corpora/ is in the fuzz_text corpus.
set -u
G=$1 SEEDS=$2 SRC=$3
T=$(mktemp -d /tmp/gcf-seeds.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok()  { pass=$((pass+1)); }
bad() { fail=$((fail+1)); echo "FAIL: $*"; }

[ -s "$SEEDS/seeds.tsv" ] || { echo "FAIL: no $SEEDS/seeds.tsv"; exit 1; }
while IFS=$'\t' read -r bin src; do
  [ -n "$bin" ] || continue
  if [ ! -f "$bin" ]; then bad "seed $bin of $src is missing"; continue; fi
  if ! "$G" decode "$bin" > "$T/seed.gcp" 2> "$T/err"; then
    bad "decode $bin: $(cat "$T/err")"; continue
  fi
  "$G" fmt "$src" > "$T/src.gcp" || { bad "fmt $src"; continue; }
  if cmp -s "$T/seed.gcp" "$T/src.gcp"; then ok; else
    bad "seed $bin does not decode to its source $src"; diff "$T/src.gcp" "$T/seed.gcp" | head -20
  fi
done < "$SEEDS/seeds.tsv"

for src in "$SRC"/conformance/*.gcp "$SRC"/corpora/fuzz_program/regressions/*.gcp; do
  [ -f "$src" ] || continue
  if grep -qF "	$src" "$SEEDS/seeds.tsv"; then ok
  elif grep -qxF "$src" "$SEEDS/noseed.txt"; then
    # marked `# seed: none`: only if the binary format really cannot hold it
    if "$G" encode "$src" -o "$T/noseed.bin" 2>/dev/null; then
      bad "$src is marked '# seed: none' but encodes"; else ok; fi
  else bad "$src has no generated seed"; fi
done
for src in "$SRC"/conformance/*.gcp "$SRC"/corpora/*/*.gcp "$SRC"/corpora/*/regressions/*.gcp; do
  [ -f "$src" ] || continue
  if cmp -s "$src" "$SEEDS/fuzz_text/$(basename "$src")"; then ok; else
    bad "$src is not in the fuzz_text corpus"; fi
done
kept=$(find "$SRC/corpora" -name '*.bin' | head -5)
if [ -z "$kept" ]; then ok; else bad "binary seeds kept in the repository: $kept"; fi

# a seed written by another format version is refused with a clear message
first=$(head -1 "$SEEDS/seeds.tsv" | cut -f1)
cp "$first" "$T/old.bin"
printf '\001' | dd of="$T/old.bin" bs=1 count=1 conv=notrunc 2>/dev/null
"$G" decode "$T/old.bin" > /dev/null 2> "$T/err"; rc=$?
if [ $rc = 65 ] && grep -q "binary format version 1, but this build reads version" "$T/err"; then ok; else
  bad "a version-1 input: exit $rc, $(cat "$T/err")"; fi

echo "seeds: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 30 ]
