#!/bin/sh
# Hostile input to the command line (issue 11): each case runs hnnc and
# checks the exit status and a piece of the message on stderr. Every case
# here failed before its fix (a crash, a hang, a silent wrong answer or a
# lost file). $1 is the hnnc binary.
hnnc=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
pass=0
fail=0

# expect STATUS SUBSTRING ARGS...: hnnc ARGS exits with STATUS and its
# stderr contains SUBSTRING (stdin from $IN if set, else /dev/null)
expect() {
  want=$1 sub=$2
  shift 2
  timeout 120 "$hnnc" "$@" < "${IN:-/dev/null}" > out.txt 2> err.txt
  st=$?
  if [ "$st" -ne "$want" ] || ! grep -qF -- "$sub" err.txt; then
    echo "FAIL hnnc $*: status $st (want $want), stderr:"
    sed 's/^/    /' err.txt | head -5
    echo "    (wanted '$sub')"
    fail=$((fail + 1))
  else
    pass=$((pass + 1))
  fi
}

# a folder given as the model: an error, not "out of memory" and abort (134)
expect 1 "models: error: cannot read the model file: it is a folder" compile "$root/models" -o out
expect 1 "cannot read the model file: No such file" dump nothing.lua

echo "robust: $pass of $((pass + fail)) hostile command lines handled"
[ $fail -eq 0 ]
