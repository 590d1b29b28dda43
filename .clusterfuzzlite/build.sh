#!/bin/bash -eu
# .clusterfuzzlite/build.sh -- the OSS-Fuzz / ClusterFuzzLite build: every
# fuzzer of fuzzers/ (fuzz_*.c) into $OUT with its seed corpus
# (NAME_seed_corpus.zip: the seed corpora the build generates, corpora/
# CMakeLists.txt), dictionary (NAME.dict) and libFuzzer options
# (NAME.options).
#
# The builder sets $SRC, $OUT, $WORK, $CC, $CFLAGS (sanitizer and coverage
# flags included), $LIB_FUZZING_ENGINE and $SANITIZER; the project adds no
# sanitizer or coverage flags of its own (GCF_FUZZ_SANITIZE=OFF,
# GCF_FUZZ_COVERAGE_ALL=OFF) and links the drivers with $LIB_FUZZING_ENGINE.
# ci/cflite-test runs this script in a simulated builder environment.
SRCDIR=${GCF_SRC:-$SRC/gcfuzz}
BUILD=$WORK/gcfuzz-build
extra=""
# the runtime poisons free heap space for AddressSanitizer (runtime/os.c)
[ "${SANITIZER:-}" = address ] && extra="-DMGC_ASAN=1"
cmake -S "$SRCDIR" -B "$BUILD" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_FLAGS="$CFLAGS $extra" -DGCF_FUZZ=ON -DGCF_FUZZ_SANITIZE=OFF \
  -DGCF_FUZZ_COVERAGE_ALL=OFF -DGCF_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" -DGCF_BENCH=OFF \
  -DMGC_ASSERT_LEVEL=3
names=()
for src in "$SRCDIR"/fuzzers/fuzz_*.c; do
  names+=("$(basename "$src" .c)")
done
cmake --build "$BUILD" --target "${names[@]}" seed_corpora -j "$(nproc)"
for name in "${names[@]}"; do
  cp "$BUILD/fuzzers/$name" "$OUT/"
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$BUILD/corpora/$name" && zip -q -j "$OUT/${name}_seed_corpus.zip" ./*)
  for ext in dict options; do
    [ -f "$SRCDIR/fuzzers/$name.$ext" ] && cp "$SRCDIR/fuzzers/$name.$ext" "$OUT/"
  done
done
