#!/bin/sh
# make lint: the formatting of the files listed in tests/lint.list (those
# already in the style of .clang-format: a file joins the list when its
# owner reformats it, never in one commit for everyone), the layering
# (tests/layers.sh) and the length of functions (tests/funclen.sh).
cd "$(dirname "$0")/.." || exit 1
status=0
if ! command -v clang-format > /dev/null; then
  echo "lint: clang-format is missing (sh .ci/deps.sh lint installs it)"
  exit 1
fi
bad=""
for f in $(grep -v '^#' tests/lint.list); do
  clang-format --dry-run --Werror "$f" > /dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
  echo "lint: not formatted as .clang-format says (clang-format -i FILE):$bad"
  status=1
else
  echo "lint: $(grep -vc '^#' tests/lint.list) files formatted as .clang-format says"
fi
sh tests/layers.sh || status=1
sh tests/funclen.sh || status=1
exit $status
