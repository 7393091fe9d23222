# Chartroom - plain Makefile (see STYLE.md 12).
#   make            build build/chartroom
#   make check      install missing packages, build, run every test
#   make asan       the same suite under AddressSanitizer + UBSan
#   make valgrind   unit tests under valgrind
#   make bench      benchmarks (figures and ratios to a same-run baseline)
#   make crashtest  kill -9 and power-loss tests, 100 runs per kind (README
#                   "Crash and power-loss safety"; make check runs a few)
#   make demo       install, build, create demo/chartroom.db, open the app
#   make install    PREFIX=/usr/local DESTDIR=          (personal mode)
#   make install-shared PREFIX= DESTDIR= GROUP=chartroom DATADIR=/var/lib/chartroom
#                   (shared mode: setgid binary, data directory; README "Two modes")
#   make deb        build/chartroom_VERSION_ARCH.deb (packaging/debian; README "Debian package")
#   make man        build/man/: chartroom.1, chartroom.ini.5 (from assets/chartroom.ini),
#                   chartroom-server.7
#   make deps       install missing Debian packages
#   make format     clang-format the sources

# The version: this line is the one place it is set. chartroom --version
# prints it and packaging/debian/changelog's top entry must match it
# (tests/e2e/test_manpages.sh checks both).
VERSION := 0.1.0
PREFIX ?= /usr/local
DESTDIR ?=
# Shared mode: the binary's group, and the data directory and system
# configuration compiled into the binary (gen/paths.h).
GROUP ?= chartroom
DATADIR ?= /var/lib/chartroom
SYSCONFDIR ?= /etc
BUILD ?= build
CC ?= cc

PKGS := ncursesw formw menuw panelw sqlite3 libsodium pwquality jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CORE_PKG_LIBS := $(shell pkg-config --libs sqlite3 libsodium pwquality jansson 2>/dev/null)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wno-format-nonliteral -Werror
CFLAGS ?= -O2 -g
# CPPFLAGS and LDFLAGS come from the environment too (a Debian build passes
# dpkg-buildflags' hardening: _FORTIFY_SOURCE, relro, bindnow, PIE).
ALL_CFLAGS := -std=c11 -pedantic -D_GNU_SOURCE -pthread $(WARN) -MMD -MP -Isrc -I$(BUILD) \
	-I/usr/include/iniparser $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
LDLIBS_CORE := $(CORE_PKG_LIBS) -liniparser -lunistring -pthread -lm
LDLIBS_APP := $(PKG_LIBS) -liniparser -lunistring -pthread -lm

BASE_SRC := $(wildcard src/base/*.c)
DB_SRC := $(wildcard src/db/*.c)
CORE_SRC := $(wildcard src/core/*.c)
UI_SRC := $(wildcard src/ui/*.c)
GEN_SRC := $(BUILD)/gen/embedded.c

LIB_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(BASE_SRC) $(DB_SRC) $(CORE_SRC)) \
	$(BUILD)/obj/gen/embedded.o
UI_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(UI_SRC) src/main.c)
LIB := $(BUILD)/libchartroom.a
BIN := $(BUILD)/chartroom

# The test binary: the same program with -DCHARTROOM_TEST_HOOKS, for the
# end-to-end tests that need a hook (the screen dump). Only the files that
# use the macro are compiled twice (into obj-test/); make and make install
# build and install the release binary, which has no hooks.
APP_SRC := $(BASE_SRC) $(DB_SRC) $(CORE_SRC) $(UI_SRC) src/main.c
HOOK_SRC := $(shell grep -l CHARTROOM_TEST_HOOKS $(APP_SRC))
TEST_BIN := $(BUILD)/chartroom-test
TEST_OBJ := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(filter-out $(HOOK_SRC),$(APP_SRC))) \
	$(BUILD)/obj/gen/embedded.o $(patsubst src/%.c,$(BUILD)/obj-test/%.o,$(HOOK_SRC))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
# The crash and power-loss harness (tests/crash/): a short run in make
# check (it is build/tests/test_crash, so tests/run.sh runs it), the full
# one in make crashtest.
CRASH_BIN := $(BUILD)/tests/test_crash
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

MIGRATIONS := $(sort $(wildcard assets/migrations/*.sql))
WORDLISTS := $(sort $(wildcard assets/wordlists/*.txt))

.PHONY: all check unit e2e asan valgrind bench crashtest demo install install-shared clean deps \
	format man deb units FORCE
all: $(BIN) man units

# The scheduled backup's systemd units (packaging/chartroom-backup.*), with
# the path the backup script is installed at: PREFIX/share/chartroom for
# install-shared, /usr/libexec/chartroom for the Debian package.
BACKUP_SCRIPT ?= $(PREFIX)/share/chartroom/chartroom-backup.sh
UNITS := $(BUILD)/systemd/chartroom-backup.service $(BUILD)/systemd/chartroom-backup.timer
units: $(UNITS)
$(BUILD)/systemd/%: packaging/% Makefile FORCE
	@mkdir -p $(@D)
	@sed 's|@BACKUP_SCRIPT@|$(BACKUP_SCRIPT)|g' $< > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

# The manual pages' date: the package's (dpkg-buildpackage sets
# SOURCE_DATE_EPOCH from debian/changelog), else today.
MAN_DATE := $(shell date -u -d "@$${SOURCE_DATE_EPOCH:-$$(date +%s)}" +%Y-%m-%d)
MAN := $(BUILD)/man/chartroom.1 $(BUILD)/man/chartroom.ini.5 $(BUILD)/man/chartroom-server.7
man: $(MAN)
$(BUILD)/man/chartroom.ini.5: tools/ini2man.sh assets/chartroom.ini Makefile
	@mkdir -p $(@D)
	sh tools/ini2man.sh assets/chartroom.ini '$(VERSION)' '$(MAN_DATE)' > $@.tmp
	mv $@.tmp $@
$(BUILD)/man/%: man/% Makefile
	@mkdir -p $(@D)
	sed 's/@VERSION@/$(VERSION)/g; s/@DATE@/$(MAN_DATE)/g' $< > $@

# The version reaches main.c only (-DCHARTROOM_VERSION); the stamp changes,
# and main.o is rebuilt, only when VERSION does.
$(BUILD)/gen/version: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/main.o: $(BUILD)/gen/version
$(BUILD)/obj/main.o: ALL_CFLAGS += -DCHARTROOM_VERSION='"$(VERSION)"'

# The paths compiled in; rewritten only when DATADIR or SYSCONFDIR change, so
# only what includes it is rebuilt.
$(BUILD)/gen/paths.h: FORCE
	@mkdir -p $(@D)
	@printf '#define CHARTROOM_DATA_DIR "%s"\n#define CHARTROOM_SYSTEM_CONFIG "%s"\n' \
		'$(DATADIR)' '$(SYSCONFDIR)/chartroom/chartroom.ini' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/core/config.o: $(BUILD)/gen/paths.h

$(BUILD)/gen/embedded.c: tools/embed.sh $(MIGRATIONS) assets/chartroom.ini $(WORDLISTS)
	@mkdir -p $(@D)
	{ sh tools/embed.sh embedded_migrations $(MIGRATIONS); \
	  sh tools/embed.sh embedded_config assets/chartroom.ini | sed 1,2d; \
	  sh tools/embed.sh embedded_wordlists $(WORDLISTS) | sed 1,2d; } > $@.tmp
	mv $@.tmp $@

$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj-test/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DCHARTROOM_TEST_HOOKS -c $< -o $@

$(LIB): $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BIN): $(UI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(UI_OBJ) $(LIB) $(LDLIBS_APP)

$(TEST_BIN): $(TEST_OBJ)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(TEST_OBJ) $(LDLIBS_APP)

# test_signon counts key derivations through a wrapper (no test code in
# the library): every call core makes goes to __wrap_crypto_kek_derive.
$(BUILD)/tests/test_signon: UNIT_LDFLAGS := -Wl,--wrap=crypto_kek_derive
# test_avail counts the library's disk syncs (journal_sync).
$(BUILD)/tests/test_avail: UNIT_LDFLAGS := -Wl,--wrap=fdatasync

# test_keymap tests the UI's key table (keymap.c needs no terminal) with
# the library.
$(BUILD)/tests/test_keymap: tests/unit/test_keymap.c tests/unit/testutil.h \
		$(BUILD)/obj/ui/keymap.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/obj/ui/keymap.o $(LIB) \
		$(LDLIBS_CORE) $(shell pkg-config --libs cmocka)

# The tests' build of the program: the same objects but config.c, whose
# system configuration file is one the tests write. A build macro, never
# anything read at run time (README "Configuration").
TEST_SYSCONF = $(abspath $(BUILD))/test-etc/chartroom.ini
TESTETC_BIN := $(BUILD)/chartroom-testetc
$(BUILD)/obj/core/config_testetc.o: src/core/config.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DCHARTROOM_SYSCONF_PATH='"$(TEST_SYSCONF)"' -c $< -o $@

$(TESTETC_BIN): $(UI_OBJ) $(filter-out $(BUILD)/obj/core/config.o,$(LIB_OBJ)) \
		$(BUILD)/obj/core/config_testetc.o
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_APP)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/testutil.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(LDFLAGS) $(UNIT_LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_CORE) \
		$(shell pkg-config --libs cmocka)

$(CRASH_BIN): tests/crash/crash.c tests/crash/crashvfs.c tests/crash/crashvfs.h $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/crash $(LDFLAGS) -o $@ tests/crash/crash.c tests/crash/crashvfs.c \
		$(LIB) $(LDLIBS_CORE)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS_CORE)

deps:
	@sh packaging/deps.sh

# make deb: the package, from a copy of the files git tracks or would (as in
# the work tree) with packaging/debian/ as its debian/, built by
# dpkg-buildpackage with dpkg-buildflags' hardening. The result is
# build/chartroom_VERSION_ARCH.deb; the .buildinfo and .changes stay in
# build/deb/. Installs debhelper and lintian if missing (deps.sh deb).
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_TREE = build/deb/chartroom-$(VERSION)
deb:
	@sh packaging/deps.sh deb
	rm -rf build/deb
	mkdir -p $(DEB_TREE)
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard | grep -zv '^packaging/debian/' | \
			xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' - | \
			tar -c --null -T - -f - | tar -x -C $(DEB_TREE); \
	else \
		tar -c --exclude=./build --exclude=./build-asan --exclude=./demo \
			--exclude=./packaging/debian -f - . | tar -x -C $(DEB_TREE); \
	fi
	cp -R packaging/debian $(DEB_TREE)/debian
	cd $(DEB_TREE) && dpkg-buildpackage -us -uc -b
	mv build/deb/chartroom_$(VERSION)_$(DEB_ARCH).deb build/
	@echo "built build/chartroom_$(VERSION)_$(DEB_ARCH).deb"

unit: $(BIN) $(UNIT_BIN)
e2e: $(BIN) $(TEST_BIN)

# make check: install what is missing, build, run unit and e2e tests, one
# summary line "N passed, M failed" at the end.
check:
	@sh packaging/deps.sh
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN) $(UNIT_BIN) $(TESTETC_BIN) $(CRASH_BIN)
	@sh tests/run.sh $(BUILD)

asan:
	@sh packaging/deps.sh
	@$(MAKE) --no-print-directory BUILD=build-asan \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/chartroom build-asan/chartroom-test \
		build-asan/chartroom-testetc $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BIN) $(CRASH_BIN))
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		sh tests/run.sh build-asan

# make crashtest: the crash harness at full length (100 kills of each kind,
# 100 power cuts, 30 cuts under synchronous=NORMAL to show what it loses)
# and the command line (its commands, and a first load) killed at every
# one of its writes.
crashtest:
	@sh packaging/deps.sh
	@$(MAKE) --no-print-directory $(BIN) $(TEST_BIN) $(CRASH_BIN)
	@$(CRASH_BIN) --iterations 100 --power 100 --normal 30 && \
		CRASH_CLI_POINTS=0 CHARTROOM_BIN=$(abspath $(BIN)) \
		CHARTROOM_TEST_BIN=$(abspath $(TEST_BIN)) CHARTROOM_ROOT=$(CURDIR) \
		sh tests/e2e/test_crash_cli.sh && \
		CRASH_LOAD_POINTS=0 CHARTROOM_BIN=$(abspath $(BIN)) \
		CHARTROOM_TEST_BIN=$(abspath $(TEST_BIN)) CHARTROOM_ROOT=$(CURDIR) \
		sh tests/e2e/test_crash_load.sh

valgrind: $(UNIT_BIN)
	@for t in $(UNIT_BIN); do \
		valgrind -q --error-exitcode=9 --leak-check=full $$t || exit 1; done

bench: $(BENCH_BIN)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done

demo:
	@sh packaging/deps.sh
	@$(MAKE) --no-print-directory $(BIN)
	@sh packaging/demo.sh $(BIN)

install: $(BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/chartroom
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/chartroom
	install -m 0644 assets/chartroom.ini $(DESTDIR)$(PREFIX)/share/chartroom/chartroom.ini

# Shared mode. With DESTDIR (a package being staged) only the files are
# laid out; the system steps (group, setgid, data directory) are
# packaging/setup-shared.sh, installed beside them for the package's
# postinst. Without DESTDIR (as root) they run now.
install-shared: $(BIN) $(UNITS)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/chartroom
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/chartroom
	install -m 0644 assets/chartroom.ini $(DESTDIR)$(PREFIX)/share/chartroom/chartroom.ini
	install -m 0755 packaging/setup-shared.sh $(DESTDIR)$(PREFIX)/share/chartroom/setup-shared.sh
	install -m 0755 packaging/chartroom-backup.sh $(DESTDIR)$(PREFIX)/share/chartroom/chartroom-backup.sh
	install -m 0644 $(UNITS) $(DESTDIR)$(PREFIX)/share/chartroom/
	@if [ -z "$(DESTDIR)" ]; then \
		sh packaging/setup-shared.sh --group '$(GROUP)' --datadir '$(DATADIR)' \
			--bin '$(PREFIX)/bin/chartroom'; \
	else \
		echo "staged in $(DESTDIR); the package's postinst runs:"; \
		echo "  $(PREFIX)/share/chartroom/setup-shared.sh --group $(GROUP) --datadir $(DATADIR) --bin $(PREFIX)/bin/chartroom"; \
	fi

format:
	clang-format -i src/*.c src/*/*.c src/*/*.h tests/unit/*.c bench/*.c

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) build-asan -name '*.d' 2>/dev/null)
