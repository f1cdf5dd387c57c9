# Sourced by run.sh and spring.sh: sets $preload to what PyTorch's process
# should LD_PRELOAD. Debian's python3-torch links libblas.so.3, which is the
# slow reference BLAS unless the alternatives say otherwise: preload OpenBLAS
# for that process only (TORCH_BLAS_PRELOAD=path|none overrides). Empty when
# none is found; $blas_note then says so.
preload=${TORCH_BLAS_PRELOAD:-}
blas_note=
if [ -z "$preload" ]; then
  ma=$(gcc -print-multiarch 2>/dev/null)
  [ -n "$ma" ] || ma=x86_64-linux-gnu
  for flavour in openblas-openmp openblas-pthread openblas-serial; do
    d=/usr/lib/$ma/$flavour
    if [ -f "$d/libblas.so.3" ]; then
      preload=$d/libblas.so.3
      [ -f "$d/liblapack.so.3" ] && preload="$preload $d/liblapack.so.3"
      break
    fi
  done
  [ -n "$preload" ] || blas_note="PyTorch: no OpenBLAS found (apt-get install libopenblas0-openmp): using whatever libblas.so.3 is"
fi
[ "$preload" = none ] && preload=
# runs Debian's python with that preload; OpenBLAS picks its own kernels for
# this CPU (no inherited overrides), one thread
run_torch() {
  if [ -n "$preload" ]; then env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 LD_PRELOAD="$preload" "$PY" "$@"
  else env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=1 "$PY" "$@"; fi
}
