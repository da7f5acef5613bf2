# gauntlet — everything builds into build/ (build/san/ with SAN=1); the
# source tree is never written to. Public targets install missing Debian
# packages first (mk/deps.sh), then re-enter make so pkg-config sees them.
#
#   make            build everything (build/gauntlet is the command)
#   make demo       run the shipped scenarios (scenarios/) in sim mode
#   make install    PREFIX=/usr/local: $(PREFIX)/bin/gauntlet
#   make test       run every module's Check suites (SAN=1: ASan + UBSan)
#   make test-browser   render the demo report in headless Chromium and check it
#   make mutants    the mutant matrix: every known bug must be caught
#   make bench      run the runtime benchmarks (one line per figure)
#   make bench-compare   the same, interleaved with the Go peer, side by side
#   make deps       install missing packages (apt-get; sudo when not root)
#   make clean

SAN ?= 0
ifeq ($(SAN),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LTO :=
else
BUILD := build
SANFLAGS :=
# Link-time optimization: the service's per-job path is a dozen calls to
# one-line runtime accessors (gr_now, gr_ctx_err, gr_chan_len, ...) that
# only LTO can inline across modules: svc_pool_sim and svc_pipeline_sim
# run ~11% faster with it, the raw runtime benches the same. LTO= to
# build without.
LTO ?= -flto=auto
endif

CC := gcc
PKGS := check libfiu libcjson lua5.4
# Aligned functions and loops: the hot channel loops are a few dozen
# instructions, and where the linker happens to place them moved
# chan_buffered_spsc by 20% between builds with identical instruction counts.
OPT ?= -O2 -falign-functions=64 -falign-loops=32
# -fstack-clash-protection: a frame bigger than a page probes every page it
# spans, so an overflowing task always hits its guard page instead of
# jumping over it into a neighbouring stack.
CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) $(LTO) -g -Wall -Wextra -Werror \
          -fstack-clash-protection -MMD -MP $(SANFLAGS)
LDFLAGS := $(SANFLAGS) $(LTO)

MODULES := runtime inject service reports harness
MAKEIN := @$(MAKE) --no-print-directory -f mk/build.mk BUILD=$(BUILD) SAN=$(SAN) \
          CC=$(CC) 'CFLAGS=$(CFLAGS)' 'LDFLAGS=$(LDFLAGS)' 'MODULES=$(MODULES)' \
          'PKGS=$(PKGS)'

.PHONY: all test bench bench-compare deps clean demo install
all: deps
	$(MAKEIN) all
# The README's first command: build, run the shipped scenarios in sim mode,
# print the summary and where the results are.
demo: all
	@build/gauntlet run scenarios/; rc=$$?; \
	    echo "open the report: $(CURDIR)/out/latest/index.html"; exit $$rc
# The shipped suite against every known-bug switch of the service; the
# last line is "mutants: caught K/N, false alarms F".
.PHONY: mutants
mutants: all
	@build/gauntlet run scenarios/ --mutants --quiet
# docs/fault-points.md's table is `gauntlet points --markdown`
# (tests/harness/test_docs.c fails when they differ): regenerate it.
.PHONY: docs-points
docs-points: all
	@{ sed '/^<!-- BEGIN gauntlet points --markdown -->$$/q' docs/fault-points.md; \
	   build/gauntlet points --markdown; \
	   sed -n '/^<!-- END gauntlet points --markdown -->$$/,$$p' docs/fault-points.md; \
	 } > docs/fault-points.md.new && mv docs/fault-points.md.new docs/fault-points.md
# make install PREFIX=/opt/gauntlet -> $(PREFIX)/bin/gauntlet
PREFIX ?= /usr/local
install: all
	install -D -m 0755 build/gauntlet $(DESTDIR)$(PREFIX)/bin/gauntlet
# The JUnit tests check well-formedness with xmllint (libxml2-utils).
test: deps
	@mk/deps.sh libxml2-utils
	$(MAKEIN) test
# The demo report in a real browser: tests/reports/browser.sh.
.PHONY: test-browser
test-browser: deps
	@mk/deps.sh chromium
	$(MAKEIN) all
	@GAUNTLET_BIN=$(BUILD)/gauntlet tests/reports/browser.sh $(BUILD)/browser
bench: deps
	$(MAKEIN) bench
bench-compare: deps
	@mk/deps.sh golang-go
	$(MAKEIN) bench-compare
deps:
	@mk/deps.sh
clean:
	rm -rf build

# The aarch64 context switch, cross-built and run under qemu-user (a
# self-checking program: the Check suites need a native libcheck).
.PHONY: test-aarch64
test-aarch64: deps
	@mk/deps.sh gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
	@mkdir -p build/aarch64
	aarch64-linux-gnu-gcc -static -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror \
	    -fstack-clash-protection -I. runtime/*.c tests/arch/switch_smoke.c -lm \
	    -o build/aarch64/switch_smoke
	qemu-aarch64 build/aarch64/switch_smoke
