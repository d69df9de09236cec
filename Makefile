# lathe — build, test and install.
#
#   make                 build ./build/lathe, the plugins and the unit tests
#   make run             install missing Debian packages, build, open the demo project
#   make test            install missing packages, build, run every test, then the
#                        same tests again under AddressSanitizer + UBSan
#   make faultbuild      build-asan/lathe and plugins (ASan + UBSan), which can make
#                        allocations, SQLite I/O and file writes fail at the Nth call
#   make fault           that build, then every injection point of every command
#                        (tests/fault/run.sh; docs/testing.md, "Fault injection")
#   make install PREFIX=/usr/local DESTDIR=
#
# Every module directory is globbed, so adding a source file is enough.
# Compiler and linker flags come from pkg-config; libcsv ships no .pc file.

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
CC        ?= cc
SAN       ?=

PKGS      := sqlite3 openblas lapacke jansson libmicrohttpd ncursesw libcrypto
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lpthread -ldl -lm
CMOCKA_CFLAGS := $(shell pkg-config --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)

OPT       ?= -O2
WARN      := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
# Includes are spelt from these roots: "store/project.h" (core/),
# "kit/blobio.h" and "lathe_plugin.h" (plugins/), "linalg/mat.h" and
# "tui/app.h" (the top); a file's own folder needs no prefix.
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) -fPIC \
             -DLATHE_VERSION='"$(VERSION)"' -DLATHE_PREFIX='"$(PREFIX)"' \
             -I. -Icore -Iplugins $(PKG_CFLAGS) $(CFLAGS)
ifeq ($(SAN),1)
CFLAGS_ALL += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN      := -fsanitize=address,undefined
endif
LDFLAGS_ALL = $(LDSAN) $(LDFLAGS)

# Fault injection (FAULT=1, the default of the sanitizer build): lathe's
# own objects, the unit tests and the plugins are linked with --wrap for
# these functions, and tests/fault/fault.c (linked into lathe and the unit
# tests, which export its __wrap_ functions to the plugins they load)
# decides which call fails.  Inert unless LATHE_FAULT is set; see
# docs/testing.md, "Fault injection".
FAULT ?= $(SAN)
ifeq ($(FAULT),1)
FAULT_WRAP := malloc calloc realloc strdup strndup asprintf vasprintf posix_memalign \
              aligned_alloc fopen fwrite fputs fputc fprintf vfprintf fflush fclose \
              write rename sqlite3_open_v2
LDFAULT    := $(foreach f,$(FAULT_WRAP),-Wl,--wrap=$(f))
FAULT_OBJ  := $(BUILD)/tests/fault/fault.o
FAULT_EXPORT := -Wl,--export-dynamic-symbol=__wrap_*
endif

# The folder lists (docs/architecture.md has the map of what each owns
# and may use; scripts/check-layers.sh holds the code to it).
CORE_DIRS  := base store ingest features train registry serve cli
PLUGIN_DIRS := $(filter-out kit,$(patsubst plugins/%/,%,$(wildcard plugins/*/)))

CORE_SRC   := $(foreach d,$(CORE_DIRS),$(wildcard core/$(d)/*.c))
LINALG_SRC := $(wildcard linalg/*.c)
TUI_SRC    := $(wildcard tui/*.c)
KIT_SRC    := $(wildcard plugins/kit/*.c)
# algorithm-private modules: every file of a plugin's folder but the one
# named after it (which holds the entry point)
PRIV_SRC   := $(filter-out $(foreach d,$(PLUGIN_DIRS),plugins/$(d)/$(d).c),\
                $(foreach d,$(PLUGIN_DIRS),$(wildcard plugins/$(d)/*.c)))
TEST_SRC   := $(wildcard tests/unit/test_*.c)

LIB_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC) $(TUI_SRC))
LINALG_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(LINALG_SRC))
KIT_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(KIT_SRC))
PRIV_OBJ   := $(patsubst %.c,$(BUILD)/%.o,$(PRIV_SRC))
MAIN_OBJ   := $(BUILD)/main.o
PLUGINS    := $(patsubst %,$(BUILD)/plugins/%.so,$(PLUGIN_DIRS))
TESTS      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))

.PHONY: all bins deps run test check check-unit check-e2e asan faultbuild fault install \
        uninstall clean bench
# keep object files of pattern chains (plugins, tests): no rebuild next time
.SECONDARY:
.SECONDEXPANSION:

all: $(BUILD)/lathe $(PLUGINS) $(TESTS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# the engine and the workbench
$(BUILD)/liblathe.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/liblinalg.a: $(LINALG_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libkit.a: $(KIT_OBJ)
	@rm -f $@
	ar rcs $@ $^

# what the unit tests call in plugins besides the kit
$(BUILD)/libplugpriv.a: $(PRIV_OBJ)
	@rm -f $@
	ar rcs $@ $(if $^,$^,)

$(BUILD)/lathe: $(MAIN_OBJ) $(BUILD)/liblathe.a $(BUILD)/liblinalg.a $(FAULT_OBJ)
	$(CC) $(LDFLAGS_ALL) $(LDFAULT) $(FAULT_EXPORT) -o $@ $^ $(PKG_LIBS)

# the program and its plugins, without the unit tests
bins: $(BUILD)/lathe $(PLUGINS)

# Built-in algorithms are ordinary plugins: one .so each from the files of
# its folder, linked with the kit and the linear-algebra layer statically so
# that they need nothing from the host.
plugin_obj = $(patsubst %.c,$(BUILD)/%.o,$(wildcard plugins/$(1)/*.c))
$(BUILD)/plugins/%.so: $$(call plugin_obj,$$*) \
    $(BUILD)/libkit.a $(BUILD)/liblinalg.a plugins/plugin.map
	$(CC) -shared -Wl,--version-script=plugins/plugin.map $(LDFLAGS_ALL) $(LDFAULT) -o $@ $(filter-out %.map,$^) $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/liblathe.a $(BUILD)/libplugpriv.a \
    $(BUILD)/libkit.a $(BUILD)/liblinalg.a $(FAULT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS_ALL) $(LDFAULT) $(FAULT_EXPORT) -o $@ $^ $(PKG_LIBS) $(CMOCKA_LIBS)

deps:
	@scripts/install-deps.sh

# The two set-up commands of the README.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/demo.sh $(BUILD)/lathe

test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory asan

check: all
	@scripts/run-tests.sh $(BUILD)

asan:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT=-O1 check

# the sanitizer build's program and plugins, the build fault injection uses
faultbuild:
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT=-O1 bins

# Every injection point of every command: long (docs/testing.md).
fault: faultbuild
	@tests/fault/run.sh build-asan

bench: all
	@bench/run.sh $(BUILD)

install: $(BUILD)/lathe $(PLUGINS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/lathe/plugins \
	           $(DESTDIR)$(PREFIX)/include/lathe $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/lathe $(DESTDIR)$(PREFIX)/bin/lathe
	$(if $(PLUGINS),install -m 644 $(PLUGINS) $(DESTDIR)$(PREFIX)/lib/lathe/plugins/)
	install -m 644 plugins/lathe_plugin.h $(DESTDIR)$(PREFIX)/include/lathe/
	install -m 644 docs/lathe.1 $(DESTDIR)$(PREFIX)/share/man/man1/lathe.1

uninstall:
	rm -rf $(DESTDIR)$(PREFIX)/bin/lathe $(DESTDIR)$(PREFIX)/lib/lathe \
	       $(DESTDIR)$(PREFIX)/include/lathe $(DESTDIR)$(PREFIX)/share/man/man1/lathe.1

# ---- fuzzing: libFuzzer targets in tests/fuzz/ (docs/testing.md) -------
#   make fuzz FUZZ_SECONDS=N   build them with clang into $(FUZZ_BUILD) and
#                              run each for N seconds (default 60); findings
#                              land in $(FUZZ_BUILD)/fuzz/artifacts/
#   make fuzz-build            build them only
# A target is tests/fuzz/fuzz_NAME.c with its seed corpus in
# tests/fuzz/corpus/NAME/; tests/fuzz/payload.c is built once per plugin
# (payload_PLUGIN), linked with that plugin's own files.  The engine is
# compiled with -fsanitize=fuzzer-no-link,address,undefined for coverage;
# the workbench is left out (no target reaches it).
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c)) \
                $(patsubst %,payload_%,$(PLUGIN_DIRS))
FUZZ_BINS    := $(patsubst %,$(BUILD)/fuzz/%,$(FUZZ_NAMES))
FUZZ_CORE_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC))

.PHONY: fuzz fuzz-build fuzz-bins
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) SAN=1 FAULT=0 OPT=-O1 \
	    CFLAGS="-fsanitize=fuzzer-no-link $(CFLAGS)" fuzz-bins

fuzz: fuzz-build
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-bins: $(FUZZ_BINS) $(PLUGINS)

$(BUILD)/libfuzzcore.a: $(FUZZ_CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/fuzz/payload_%: $(BUILD)/tests/fuzz/payload.o $$(call plugin_obj,$$*) \
    $(BUILD)/libkit.a $(BUILD)/liblinalg.a
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libfuzzcore.a $(BUILD)/liblinalg.a
	@mkdir -p $(dir $@)
	$(CC) -fsanitize=fuzzer $(LDFLAGS_ALL) -o $@ $^ $(PKG_LIBS)

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
