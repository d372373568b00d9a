# SPDX-License-Identifier: Apache-2.0
# The two entry points of the README: `make demo` and `make check`.
# Both install what they need from Debian first (as root), then build.

BUILD ?= build
ASAN_BUILD ?= build-asan
UBSAN_CLANG_BUILD ?= build-ubsan-clang
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Debian 12 packages for building, testing and the demo. The VM suite's
# kernel packages: tests/vm/deps.sh (make vm-deps). dpkg-dev:
# apt-get source unpacks libfuse 3.17 with it (scripts/fetch-fuse3.sh).
# debhelper dh-dkms dkms systemd udev: vm-packages builds the Debian
# packages and the DKMS module, and its guest boots this root's systemd.
# liburing-dev: bench/uring_floor (FUSE over io_uring, results.md 10).
DEB_PACKAGES := build-essential dpkg-dev meson ninja-build pkg-config clang \
	libclang-rt-14-dev libfuse3-dev fuse3 libjson-c-dev uuid-dev \
	libdaxctl-dev mandoc fio valgrind gnuplot-nox util-linux procps \
	bash-completion python3 debhelper dh-dkms dkms clang-format rsync git \
	sqlite3 systemd udev liburing-dev

.PHONY: all deps vm-deps build demo check check-asan check-valgrind bench mutate deb clean

all: build

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
		dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) -Dwerror=true

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	tests/demo.sh $(BUILD)

# Debian packages of this tree (famfs, fsdev-dax-dkms) in $(BUILD)/debs.
deb: deps
	scripts/build-debs.sh $(BUILD)/debs

# The VM suite's kernel packages, and linux-source-6.12 whose checkpatch.pl
# the style tests use: installed here, before any test's timeout runs.
vm-deps:
	$(SUDO) tests/vm/deps.sh >/dev/null

# Every suite, then the same tests under ASan/UBSan and under valgrind.
check: build vm-deps
	meson test -C $(BUILD) --print-errorlogs
	$(MAKE) check-asan check-valgrind

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) -Dwerror=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug

# The unit tests again with clang's UBSan: gcc's does not report some
# undefined behaviour clang's does (&p[0] of a NULL p: "applying zero
# offset to null pointer"). Only libfamfs and the unit tests are built.
$(UBSAN_CLANG_BUILD)/build.ninja:
	CC=clang meson setup $(UBSAN_CLANG_BUILD) -Db_sanitize=undefined \
		-Dc_args=-fno-sanitize-recover=undefined -Db_lundef=false \
		-Dbuildtype=debug -Dfuse=disabled -Dkmod=false

# Every process's sanitizer reports go to files in $(SAN_LOGS), read
# after the suites: the daemons famfs mount starts write to /dev/null,
# so an error found at a daemon's exit (a leak) fails no test itself.
SAN_LOGS = $(abspath $(ASAN_BUILD))/sanitizer-logs
SAN_LOG = log_exe_name=1:log_path=$(SAN_LOGS)
check-asan: deps $(ASAN_BUILD)/build.ninja $(UBSAN_CLANG_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	rm -rf $(SAN_LOGS) && mkdir -p $(SAN_LOGS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:$(SAN_LOG)/asan \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:$(SAN_LOG)/ubsan \
	meson test -C $(ASAN_BUILD) --print-errorlogs \
		--suite unit --suite shell --suite mount --suite cli; \
	rc=$$?; tests/sanitizer-logs.sh $(SAN_LOGS) $(ASAN_BUILD) && exit $$rc
	ninja -C $(UBSAN_CLANG_BUILD) unit-tests
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C $(UBSAN_CLANG_BUILD) --print-errorlogs --no-rebuild \
		--suite unit --no-suite style --no-suite vm

# The unit suite under valgrind, then a subset of the mount and cli
# suites (about 4 minutes on 2 cores) with the CLI, mkfs, the daemons and
# direct_client under the preload library run by memcheck
# (tests/valgrind.sh); every process's report goes to a file in
# $(VG_LOGS), judged after the suites like check-asan's.
# Left out for time: the rest of the mount and cli suites (cli-usage
# would also fail: `famfs run printenv LD_PRELOAD` prints a leading blank
# where famfs under valgrind saw valgrind's own preloads).
VG_LOGS = $(abspath $(BUILD))/valgrind-logs
VG_TESTS = master-client crash commit remount errno posix writeback \
	full-device empty-files serving client-poison direct-io direct-map \
	direct-pins reclaim umount-busy cli-cp cli-clone
check-valgrind: build
	meson test -C $(BUILD) --print-errorlogs --suite unit \
		--wrap='valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect --quiet'
	rm -rf $(VG_LOGS) && mkdir -m 1777 $(VG_LOGS)	# nobody logs too
	VALGRIND_LOGS=$(VG_LOGS) meson test -C $(BUILD) --print-errorlogs \
		--no-rebuild --timeout-multiplier 2 \
		--wrap=$(abspath tests/valgrind.sh) --suite mount --suite cli \
		$(VG_TESTS); \
	rc=$$?; tests/sanitizer-logs.sh $(VG_LOGS) $(BUILD) && exit $$rc

bench: build
	bench/run.sh $(BUILD)

# Bug injection (not part of check: ~30 rebuilds and suite runs): each
# mutation of tests/mutate/mutations.txt alone, then the fast suites;
# prints caught/total and every survivor or stale anchor.
mutate: deps
	python3 tests/mutate/mutate.py

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(UBSAN_CLANG_BUILD)
