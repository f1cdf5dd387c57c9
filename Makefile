# hnnc: one non-recursive Makefile. Objects and programs go to build/.
#
#   make          build/hnnc
#   make run      the main job on the shipped default model
#   make test     every test suite (cmocka), goldens, staleness of generated/
#   make bench    benchmarks beside OpenBLAS and PyTorch (installs them as root when missing)
#   make flows    train and evaluate the flow experiments (models/flows; minutes)
#   make asan     the test suite under AddressSanitizer + UBSan
#   make lint     formatting (.clang-format, files in tests/lint.list), layering, function length
#   make regen    rewrite generated/ and the golden files
#   make install  build/hnnc to $(PREFIX)/bin

CC       = gcc
# Bits matter: never -ffast-math or -Ofast; no contraction of a*b+c into fma.
# (-fno-math-errno changes no value: it lets sqrt vectorize.)
CFLAGS   = -std=c11 -O2 -g -Wall -Wextra -ffp-contract=off -fno-math-errno
CPPFLAGS = -D_GNU_SOURCE -I/usr/include/lua5.4 -MMD -MP
LDLIBS   = -llua5.4 -ltcc -ldl -lpthread -lm
PREFIX   = /usr/local
B        = build
# not a knob: build/ does not track which file it embedded
override ELEMFN := prelude/elemfn.c

COMPILER = text ir autodiff front bind front_data verify schedule emit flops jit init model export
PRELUDE  = rng
RUNTIME  = error atomic pool integrate adam npy params rows data datafiles checkpoint train evaluate
CLI      = opts binding plot report rundir compile eval bench train evaluate data flowcheck check flow_eval recipe poincare export
LIBOBJ   = $(COMPILER:%=$(B)/compiler/%.o) $(PRELUDE:%=$(B)/prelude/%.o) $(RUNTIME:%=$(B)/runtime/%.o) $(CLI:%=$(B)/cli/%.o) $(B)/lualib.o $(B)/elemfn_text.o $(B)/kernels_text.o
TESTS    = $(patsubst %,$(B)/test_%,ad passes flops kernels models elemfn integrate data plot train readers tasks flows faults export)
# the readers make fuzz attacks (tests/fuzz/fuzz_NAME.c), here because the
# rule of test (prerequisites expand where a rule is read) replays them
FUZZ     = npy checkpoint rows params model csv
LUALIB   = $(shell find compiler/lib -name '*.lua' | LC_ALL=C sort)

all: deps $(B)/hnnc

# ---- dependencies: installed by apt-get when missing (Debian 12, as root) ----
deps: $(B)/.deps
$(B)/.deps: .ci/deps.sh
	@mkdir -p $(B)
	@sh .ci/deps.sh
	@touch $@

$(B)/hnnc: $(B)/cli/main.o $(LIBOBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(B)/%.o: %.c | $(B)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The Lua library and the elementary functions are embedded in the binary.
$(B)/lualib.c: $(LUALIB) tools/embed.awk
	@mkdir -p $(B)
	awk -f tools/embed.awk -v mode=lualib $(LUALIB) > $@.tmp && mv $@.tmp $@
$(B)/elemfn_text.c: $(ELEMFN) tools/embed.awk
	@mkdir -p $(B)
	awk -f tools/embed.awk -v mode=string -v name=hnnc_elemfn $(ELEMFN) > $@.tmp && mv $@.tmp $@
$(B)/kernels_text.c: prelude/kernels.c tools/embed.awk
	@mkdir -p $(B)
	awk -f tools/embed.awk -v mode=string -v name=hnnc_kernels prelude/kernels.c > $@.tmp && mv $@.tmp $@
$(B)/kernels_text.o: $(B)/kernels_text.c
	$(CC) $(CFLAGS) -c -o $@ $<
$(B)/lualib.o: $(B)/lualib.c
	$(CC) $(CFLAGS) -c -o $@ $<
$(B)/elemfn_text.o: $(B)/elemfn_text.c
	$(CC) $(CFLAGS) -c -o $@ $<
$(B)/runtime/adam.o: CFLAGS += -O3
# option tables (cli/cli.h) leave their trailing fields out: zero
$(B)/cli/%.o: CFLAGS += -Wno-missing-field-initializers

# ---- tests ----
$(B)/test_%: tests/test_%.c $(LIBOBJ) tests/check.h
	$(CC) $(CPPFLAGS) $(CFLAGS) -Icompiler -Iruntime -Iprelude -Icli -o $@ $< $(LIBOBJ) -lcmocka $(LDLIBS)

test: all $(TESTS) $(FUZZ:%=$(B)/fuzzrun_%)
	@sh tests/run.sh $(B) $(TESTS)

bench: all $(B)/bench_step
	@sh .ci/deps.sh bench
	@sh tests/bench/run.sh $(B)
	@sh tests/bench/threads.sh $(B)
	@sh tests/bench/spring.sh $(B)

$(B)/bench_step: tests/bench/bench_step.c $(LIBOBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Icompiler -Iruntime -Iprelude -Icli -o $@ $< $(LIBOBJ) $(LDLIBS)

run: all
	@sh tests/run_main.sh $(B)

# the examples beyond the published tasks (Hénon–Heiles, Duffing): train,
# evaluate, Poincaré sections; the Hénon–Heiles acceptance ratio (slow: ~1 min)
examples: all
	@sh tests/slow/examples.sh $(B)

# the flow experiments (models/flows): train, evaluate, check; minutes
flows: all
	@sh tests/run_flows.sh $(B)

# Sanitizers: the whole suite, rebuilt in build/asan.
# ---- fuzzing: clang's libFuzzer with ASan + UBSan (make fuzz; FUZZ_TIME
# seconds a target). The targets take the readers of hostile input; their
# seed corpus comes from the tests, crashes become tests/fuzz/regress/
# files, which make test replays (fuzzrun_*: the same target on gcc, no
# libFuzzer).
FUZZ_TIME = 60
FUZZ_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SRC  = tests/fuzz/fuzz_file.c tests/fuzz/fuzz.h

fuzz:
	@sh .ci/deps.sh fuzz
	$(MAKE) B=build/fuzz CC=clang CFLAGS="$(CFLAGS) -O1 -fsanitize=fuzzer-no-link $(FUZZ_FLAGS)" \
	  LDLIBS="$(LDLIBS) -fsanitize=fuzzer $(FUZZ_FLAGS)" fuzz-targets
	@sh tests/fuzz/run.sh build/fuzz $(FUZZ_TIME) $(FUZZ)

fuzz-targets: $(FUZZ:%=$(B)/fuzz_%)

$(B)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_SRC) $(LIBOBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< tests/fuzz/fuzz_file.c $(LIBOBJ) $(LDLIBS)

$(B)/fuzzrun_%: tests/fuzz/fuzz_%.c tests/fuzz/driver.c $(FUZZ_SRC) $(LIBOBJ)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< tests/fuzz/driver.c tests/fuzz/fuzz_file.c $(LIBOBJ) $(LDLIBS)

asan:
	$(MAKE) B=build/asan CFLAGS="$(CFLAGS) -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDLIBS="$(LDLIBS) -fsanitize=address,undefined" HNNC_ASAN=1 test

lint:
	@sh .ci/deps.sh lint
	@sh tests/lint.sh

regen: all
	@sh tests/regen.sh $(B)

install: all
	install -D -m 755 $(B)/hnnc $(DESTDIR)$(PREFIX)/bin/hnnc

clean:
	rm -rf build

.PHONY: all deps test bench run examples flows asan fuzz fuzz-targets regen install clean
-include $(shell find $(B) -name '*.d' 2>/dev/null)
