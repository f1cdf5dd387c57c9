#!/bin/sh
# generated/ holds the compiled C of the shipped models: regenerating must
# give the same bytes, and every file must compile cleanly as strict C99.
# With --regen, rewrites generated/ instead.
hnnc=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for m in models/systems/*.lua models/hnn/*.lua models/baseline/*.lua; do
  "$hnnc" compile "$m" -o "$tmp" --verify || exit 1
done
if [ "$2" = "--regen" ]; then
  rm -f generated/*.c generated/*.h
  cp "$tmp"/* generated/
  exit 0
fi
if ! diff -r -q generated "$tmp" > "$tmp.diff" 2>&1; then
  echo "generated/ is stale (run 'make regen' and review the diff):"
  sed 's/^/  /' "$tmp.diff"
  rm -f "$tmp.diff"
  exit 1
fi
rm -f "$tmp.diff"
n=0
for c in generated/*.c; do
  gcc -std=c99 -pedantic -Wall -Wextra -Werror -O2 -c "$c" -o "$tmp/x.o" || { echo "FAIL: $c is not clean C99"; exit 1; }
  gcc -std=c99 -pedantic -Wall -Wextra -Werror -O3 -march=native -ffp-contract=off -c "$c" -o "$tmp/x.o" ||
    { echo "FAIL: $c is not clean under gcc -O3 -march=native"; exit 1; }
  if command -v clang >/dev/null; then
    clang -std=c99 -pedantic -Wall -Wextra -Werror -O2 -c "$c" -o "$tmp/x.o" || { echo "FAIL: $c is not clean under clang"; exit 1; }
  fi
  printf '#include "%s"\n' "${c%.c}.h" > "$tmp/h.c"
  gcc -std=c99 -pedantic -Wall -Wextra -Werror -I. -c "$tmp/h.c" -o "$tmp/h.o" || { echo "FAIL: ${c%.c}.h"; exit 1; }
  n=$((n + 1))
done
echo "$n models up to date, clean under -std=c99 -pedantic -Wall -Wextra -Werror (gcc -O2, gcc -O3 -march=native$(command -v clang >/dev/null && echo ', clang'))"
