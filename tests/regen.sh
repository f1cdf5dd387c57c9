#!/bin/sh
# make regen: rewrite generated/ and the golden diagnostics. Review the diff.
B=${1:-build}
sh tests/generated.sh "$B/hnnc" --regen && sh tests/errors/run.sh "$B/hnnc" --regen && git status --short generated tests/errors
make -s B="$B" "$B/test_train" && "$B/test_train" --regen-golden tests/golden/train_losses.txt && git status --short tests/golden
make -s B="$B" "$B/test_passes" && "$B/test_passes" --regen-golden > /dev/null && git status --short tests/golden/dump
sh tests/cli/run.sh "$B/hnnc" --regen && git status --short tests/cli
