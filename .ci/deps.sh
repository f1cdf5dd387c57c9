#!/bin/sh
# Installs what hnnc needs on Debian 12 when it is missing (as root);
# with the argument fuzz, lint or bench, what make fuzz, make lint or make
# bench needs (bench: PyTorch and OpenBLAS, kept out of make test's list).
set -e
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }
pkgs="gcc make libtcc-dev tcc liblua5.4-dev libcmocka-dev pkg-config"
# make test: the export tests build with g++ (the header from C++) and clang
pkgs="$pkgs g++ clang"
# make fuzz only: clang with libFuzzer (not needed by make test)
[ "$1" = fuzz ] && pkgs="clang libclang-rt-14-dev"
# make lint only: clang-format (14 on Debian 12; .clang-format is read by it)
[ "$1" = lint ] && pkgs="clang-format"
# make bench only: Debian's PyTorch and numpy (tests/bench/torch_*.py under
# /usr/bin/python3), OpenBLAS (openmp flavour: preloaded into PyTorch, and
# its cblas.h + libopenblas.so for tests/bench/bench_kernels.c)
[ "$1" = bench ] && pkgs="python3 python3-torch python3-numpy libopenblas0-openmp libopenblas-openmp-dev"
for p in $pkgs; do
  have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0
echo "installing:$need"
if [ "$(id -u)" != 0 ]; then
  echo "error: missing packages:$need; run as root or: sudo apt-get install$need" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $need >/dev/null
