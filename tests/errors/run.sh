#!/bin/sh
# Golden diagnostics: every tests/errors/NAME.lua must fail to compile with
# exactly the message in NAME.err, exit status 1, and write no file.
# With --regen, rewrites the .err files instead (review the diff!).
hnnc=$1
regen=$2
fail=0
count=0
out=$(mktemp -d)
for lua in tests/errors/*.lua; do
  name=${lua%.lua}
  count=$((count + 1))
  msg=$(timeout 60 "$hnnc" compile "$lua" -o "$out" --verify 2>&1 >/dev/null)
  rc=$?
  if [ "$regen" = "--regen" ]; then
    printf '%s\n' "$msg" > "$name.err"
    continue
  fi
  if [ $rc -ne 1 ]; then echo "FAIL $lua: exit status $rc, expected 1"; fail=$((fail + 1)); continue; fi
  if [ -n "$(ls -A "$out")" ]; then echo "FAIL $lua: left files: $(ls "$out")"; fail=$((fail + 1)); rm -f "$out"/*; continue; fi
  if ! printf '%s\n' "$msg" | diff -u "$name.err" - >/dev/null; then
    echo "FAIL $lua: message differs from $name.err:"
    printf '%s\n' "$msg" | diff -u "$name.err" - | sed 's/^/    /'
    fail=$((fail + 1))
  fi
done
rmdir "$out" 2>/dev/null
[ "$regen" = "--regen" ] && exit 0
echo "errors: $((count - fail)) of $count diagnostics match their golden files"
[ $fail -eq 0 ]
