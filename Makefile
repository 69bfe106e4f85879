# overlapsim — see README.md. `make` builds, `make test` runs every suite,
# `make demo` runs the main job, `make bench` the benchmark.
# SAN=1 builds and tests under AddressSanitizer and UndefinedBehaviorSanitizer.

CC ?= cc
ifeq ($(SAN),1)
BUILD := build/san
OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else ifeq ($(O0),1)
BUILD := build/o0
OPT := -O0 -g
else
BUILD := build
OPT := -O2 -g
endif
WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wwrite-strings -Wvla
CFLAGS ?= $(OPT)
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) -MMD -MP
LDLIBS := -linih -ljansson -lm -lpthread
LDFLAGS ?=
ifeq ($(SAN),1)
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC := $(filter-out sim/cli/%,$(wildcard sim/*.c)) $(wildcard guards/*.c) $(wildcard reports/*.c)
LIB_ASM := sim/fiber_x86_64.S
CLI_SRC := $(wildcard sim/cli/*.c)
TEST_SRC := $(wildcard tests/test_*.c)

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o) $(LIB_ASM:%.S=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
TESTS := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
LIB := $(BUILD)/liboverlapsim.a
BIN := $(BUILD)/overlapsim

.PHONY: all deps test demo bench fuzz clean
all: $(BIN)

deps:
	@sh scripts/setup.sh

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
# builds, a short fuzzing run, then one line: N passed, N failed.
test: deps
	@$(MAKE) --no-print-directory $(BIN) $(TESTS)
ifeq ($(SAN),1)
	@sh tests/run_all.sh $(BUILD)
else
	@$(MAKE) --no-print-directory SAN=1 $(subst build/,build/san/,$(BIN) $(TESTS))
	@$(MAKE) --no-print-directory O0=1 build/o0/overlapsim
	@FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) CROSS_BUILDS="build build/san build/o0" \
		sh tests/run_all.sh build build/san
endif

# libFuzzer on the scenario and value parsers (clang); make test runs it briefly.
FUZZ_SECONDS ?= 60
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
