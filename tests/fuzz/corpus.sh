# The seed corpus of a fuzz target from the tests: `seeds TARGET` prints
# one file a line (sourced by run.sh and replay.sh, from the repo's root).
seeds() {
  case $1 in
    npy) ls tests/fixtures/*.npy ;;
    checkpoint) ls tests/fuzz/seeds/checkpoint/* ;;
    rows) ls tests/fuzz/seeds/rows/* ;;
    params) ls tests/fuzz/seeds/params/* ;;
    csv) ls tests/fuzz/seeds/csv/* tests/fuzz/seeds/rows/* ;;
    model) ls models/*/*.lua tests/errors/*.lua tests/models/*.lua tests/robust/*.lua ;;
  esac
  [ -d "tests/fuzz/regress/$1" ] && ls "tests/fuzz/regress/$1"/*
  return 0
}
