#!/bin/sh
# No C function longer than 120 lines (style.md), outside generated/ and
# runtime/integrate.c (it mirrors scipy's integrators line by line, so it
# can be read beside them). A function runs from its signature (a line at
# column 0 with a '(' before any '=' or ';') to the next line "}".
cd "$(dirname "$0")/.." || exit 1
files=$(git ls-files 'compiler/*.[ch]' 'runtime/*.[ch]' 'cli/*.[ch]' 'prelude/*.[ch]' 'tests/*.c' 'tests/*/*.c' 'tools/*.c' 2>/dev/null |
        grep -v '^runtime/integrate\.c$' | sort -u)
long=$(awk '
  FNR == 1 { start = 0 }
  /^[A-Za-z_][^=;]*\(/ && !/;[ \t]*$/ { start = FNR; name = $0 }
  /^[A-Za-z_].*=/ { start = 0 }
  /^\}/ && start { n = FNR - start + 1; if (n > 120) printf "%s:%d: %d lines: %s\n", FILENAME, start, n, name; start = 0 }
' $files)
if [ -n "$long" ]; then echo "$long"; echo "funclen: functions over 120 lines (split them)"; exit 1; fi
echo "funclen: no function over 120 lines in $(echo "$files" | wc -l) files"
