# build.mk — the real build, entered from the top Makefile once the packages
# are installed (so pkg-config answers). Not meant to be called directly.

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))

# One static library per module: build/lib/lib<module>.a
# A module's main() (harness/main.c: the gauntlet command) is not library code.
mod_srcs = $(filter-out %/main.c,$(wildcard $(1)/*.c))
mod_objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(call mod_srcs,$(1)))
LIBS := $(foreach m,$(MODULES),$(BUILD)/lib/lib$(m).a)
# Link order: higher modules first.
LINK_LIBS := $(foreach m,$(shell echo $(MODULES) | tr ' ' '\n' | tac),$(BUILD)/lib/lib$(m).a)

TEST_SRCS := $(wildcard tests/*.c) $(foreach m,$(MODULES),$(wildcard tests/$(m)/*.c))
TEST_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(TEST_SRCS))
TEST_BIN := $(BUILD)/tests/gauntlet-tests

BENCH_SRCS := $(wildcard bench/*.c)
BENCH_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(BENCH_SRCS))
BENCH_BIN := $(BUILD)/bench/grbench

GT_BIN := $(BUILD)/gauntlet

.PHONY: all test bench bench-compare
all: $(LIBS) $(TEST_BIN) $(BENCH_BIN) $(GT_BIN)

# Objects depend on the flags they were built with: changing OPT, SAN or a
# package's cflags rebuilds everything (the stamp changes only when they do).
FLAGS_STAMP := $(BUILD)/.cflags
FLAGS_NOW := $(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS)
$(shell mkdir -p $(BUILD) && (printf '%s\n' '$(FLAGS_NOW)' | cmp -s - $(FLAGS_STAMP) || printf '%s\n' '$(FLAGS_NOW)' > $(FLAGS_STAMP)))

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OBJ_CFLAGS) $(PKG_CFLAGS) -I. -c $< -o $@

# The context switch is top-level assembly, which an LTO object does not
# list in its symbol table: the linker would never pull it out of
# libruntime.a. It is compiled to machine code whatever the build.
$(BUILD)/obj/runtime/switch.o: OBJ_CFLAGS := -fno-lto

define MODLIB
$(BUILD)/lib/lib$(1).a: $(call mod_objs,$(1))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODULES),$(eval $(call MODLIB,$(m))))

$(TEST_BIN): $(TEST_OBJS) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(LINK_LIBS) $(PKG_LIBS)

$(GT_BIN): $(BUILD)/obj/harness/main.o $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LINK_LIBS) $(PKG_LIBS)

$(BENCH_BIN): $(BENCH_OBJS) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_OBJS) $(LINK_LIBS) $(PKG_LIBS)

# Check runs every test in its own process with a timeout; sanitizers are
# slower, so their timeouts are stretched.
ifeq ($(SAN),1)
TEST_ENV := CK_TIMEOUT_MULTIPLIER=4 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
else
TEST_ENV :=
endif
# The tests run the gauntlet command too (tests/harness): GAUNTLET_BIN.
test: $(TEST_BIN) $(GT_BIN)
	$(TEST_ENV) GAUNTLET_BIN=$(GT_BIN) $(TEST_BIN)

# The same benchmarks with the runtime's fail points compiled out, to show
# what they cost (chan_buffered_spsc_nopoints in make bench).
NOPOINTS_BIN := $(BUILD)/bench/grbench-nopoints
$(NOPOINTS_BIN): $(foreach m,$(MODULES),$(call mod_srcs,$(m))) $(BENCH_SRCS) $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DGR_NO_FAULT_POINTS $(PKG_CFLAGS) -I. $(filter %.c,$^) -o $@ $(PKG_LIBS)

bench: $(BENCH_BIN) $(NOPOINTS_BIN) $(GT_BIN)
	@BENCH_BIN=$(BENCH_BIN) NOPOINTS_BIN=$(NOPOINTS_BIN) GAUNTLET_BIN=$(GT_BIN) bench/run.sh

bench-compare: $(BENCH_BIN)
	@BENCH_BIN=$(BENCH_BIN) bench/compare.sh

-include $(patsubst %.o,%.d,$(TEST_OBJS) $(BENCH_OBJS) $(BUILD)/obj/harness/main.o $(foreach m,$(MODULES),$(call mod_objs,$(m))))
