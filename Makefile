# overlapsim — see README.md. `make` builds, `make test` runs every suite,
# `make demo` runs the main job, `make bench` the benchmark.
# SAN=1 builds and tests under AddressSanitizer and UndefinedBehaviorSanitizer;
# `make test-tsan` runs live mode's threaded tests under ThreadSanitizer.

CC ?= cc
ifeq ($(SAN),1)
BUILD := build/san
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(TSAN),1)
BUILD := build/tsan
OPT := -O1 -g -fsanitize=thread
else ifeq ($(O0),1)
BUILD := build/o0
OPT := -O0 -g
else
BUILD := build
OPT := -O2 -g
endif
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla
CFLAGS ?= $(OPT)
PQ_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)
PQ_LIBS := $(shell pkg-config --libs libpq 2>/dev/null || echo -lpq)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(PQ_CFLAGS) $(CFLAGS) -MMD -MP
LDLIBS := -linih -ljansson -lyaml $(PQ_LIBS) -lm -lpthread
LDFLAGS ?=
ifeq ($(SAN),1)
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(TSAN),1)
LDFLAGS += -fsanitize=thread
endif

LIB_SRC := $(filter-out sim/cli/%,$(wildcard sim/*/*.c sim/*/*/*.c)) $(wildcard guards/*.c guards/*/*.c) \
	$(wildcard reports/*.c reports/*/*.c)
LIB_ASM := sim/core/fiber_x86_64.S
CLI_SRC := $(wildcard sim/cli/*.c sim/cli/common/*.c)
TEST_SRC := $(wildcard tests/test_*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(LIB_ASM:%.S=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIB := $(BUILD)/liboverlapsim.a
BIN := $(BUILD)/overlapsim

.PHONY: all deps deps-live test test-tsan demo bench fuzz clean
all: $(BIN)

deps:
	@sh scripts/setup.sh

# the live tests need PostgreSQL and libfaketime too
deps-live:
	@sh scripts/setup.sh --live

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) -lcmocka $(LDLIBS)

$(BUILD)/bench/bench: $(BUILD)/bench/bench.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Every suite, in a plain build and again under ASan+UBSan (SAN=1 alone:
# only the sanitizer build), the same traces from -O2, -O0 and sanitizer
# builds, a short fuzzing run, then one line: N passed, N failed. The live
# tests need PostgreSQL and libfaketime: deps-live installs them.
test: deps-live
	@$(MAKE) --no-print-directory $(BIN) $(TESTS)
ifeq ($(SAN),1)
	@sh tests/run_all.sh $(BUILD)
else
	@$(MAKE) --no-print-directory SAN=1 $(subst build/,build/san/,$(BIN) $(TESTS))
	@$(MAKE) --no-print-directory O0=1 build/o0/overlapsim
	@FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) CROSS_BUILDS="build build/san build/o0" \
		sh tests/run_all.sh build build/san
endif

# Live mode's threads under ThreadSanitizer. Only the live tests: the
# simulator's fibers switch stacks in ways TSan is not told about.
test-tsan: deps-live
	@$(MAKE) --no-print-directory TSAN=1 build/tsan/overlapsim build/tsan/tests/test_live_pg \
		build/tsan/tests/test_live_worker build/tsan/tests/test_live_pgenv
	@sh tests/tsan_live.sh build/tsan

# libFuzzer on the scenario and value parsers (clang); make test runs it briefly.
FUZZ_SECONDS ?= 300
TEST_FUZZ_SECONDS ?= 30
fuzz: deps
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS)

demo: deps
	@$(MAKE) --no-print-directory $(BIN)
	@sh scripts/demo.sh $(BIN)

bench: deps
	@$(MAKE) --no-print-directory $(BIN) $(BUILD)/bench/bench
	@$(BUILD)/bench/bench

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
