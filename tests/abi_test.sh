#!/usr/bin/env bash
# tests/abi_test.sh LIBMGC_SO MGC_H [PLUGIN_SO] -- the runtime library
# exports exactly the functions include/mgc.h declares MGC_API, nothing of
# its internals (.abi.exports); a target plug-in exports only its entry.
set -u
SO=$1
H=$2
T=$(mktemp -d /tmp/gcf-abi.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
sed -n 's/^MGC_API .*\b\(mgc_[a-z0-9_]*\)(.*/\1/p' "$H" | sort -u > "$T/declared"
nm -D --defined-only "$SO" | awk '$2 ~ /^[TDRBVW]$/ {print $3}' | sort -u > "$T/exported"
if [ ! -s "$T/declared" ] || [ ! -s "$T/exported" ]; then
  echo "not ok 1 - nothing declared or exported"; exit 1
fi
extra=$(comm -13 "$T/declared" "$T/exported")
missing=$(comm -23 "$T/declared" "$T/exported")
if [ -n "$extra" ]; then
  echo "not ok 1 - $SO exports names that are not public API: $extra"; fails=1
else
  echo "ok 1 - $(wc -l < "$T/exported") exported symbols, all declared MGC_API in $H"
fi
if [ -n "$missing" ]; then
  echo "not ok 2 - declared MGC_API but not exported: $missing"; fails=1
else
  echo "ok 2 - every MGC_API function is exported"
fi
if [ $# -ge 3 ]; then
  # (_end, _edata, __bss_start: the linker's own markers)
  got=$(nm -D --defined-only "$3" | awk '$2 ~ /^[TDRBVW]$/ {print $3}' |
        grep -vx -e _end -e _edata -e __bss_start -e _init -e _fini | tr '\n' ' ')
  if [ "$got" = "gcfuzz_target_entry " ]; then echo "ok 3 - $3 exports only gcfuzz_target_entry"
  else echo "not ok 3 - $3 exports: $got"; fails=1; fi
fi
exit $fails
