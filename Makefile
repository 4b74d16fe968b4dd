# kjump: the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help deps build release install deb package-test test unit-test fuzz lab-selftest lab-test vmcore-test bench bench-scale demo clean

help:
	@echo "make demo       install what is missing, build everything, run the demo scenario"
	@echo "make test       install what is missing, then unit tests (swift test), fuzzing, every lab scenario in QEMU, tests on a real vmcore, benchmarks"
	@echo "make fuzz       every libFuzzer target for KJUMP_FUZZ_SECONDS (60) seconds each (docs/FUZZING.md)"
	@echo "make bench-scale kjump against swsusp at 1, 2, 4 and 8 GiB (about 40 minutes; not part of make test)"
	@echo "make deps       install the Debian packages the build and the lab need"
	@echo "make build      debug build of kjump"
	@echo "make release    static release build of kjump (.build/release/kjump)"
	@echo "make install    kjump, its hibernation kernel, kjump.conf, kjump(8) and completions under DESTDIR (default /)"
	@echo "make deb        the Debian package, in lab/out/package/ (docs/INSTALL.md)"

deps:
	lab/deps

build:
	swift build

release:
	swift build -c release --static-swift-stdlib -Xswiftc -static-executable --product kjump

unit-test:
	swift test

# The installed layout (docs/INSTALL.md); DESTDIR empty installs onto this machine.
install:
	packaging/stage "$(or $(DESTDIR),/)"

deb:
	packaging/build-deb

# The package built, lintian-clean, installed, upgraded and purged by dpkg in a root of its own.
package-test:
	packaging/check

# libFuzzer targets for the parsers of untrusted bytes (Fuzz/, docs/FUZZING.md):
# each runs KJUMP_FUZZ_SECONDS (default 60) seconds; fails on any crash.
fuzz:
	lab/fuzz

# The lab's shell library against fake runners (seconds, no QEMU).
lab-selftest:
	lab/selftest

lab-test: lab-selftest
	lab/run-all

# The paging and page-filter tests on a real vmcore of the lab's system kernel
# (skipped by plain `swift test` when lab/out/vmcore/vmcore.elf is absent).
vmcore-test:
	lab/vmcore
	swift test --filter RealVmcore
	KJUMP_VMCORE_KERNEL=debian lab/vmcore
	lab/crash-check

# kjump against the reference tools, side by side (tables end with a RATIO line).
bench:
	lab/bench dump
	lab/bench resume

# kjump against swsusp as the guest grows (KJUMP_SCALE_SIZES, KJUMP_SCALE_RUNS):
# too long for CI, so not part of `make test`; docs/PERFORMANCE.md has its tables.
bench-scale: deps
	lab/bench scale

# On a fresh machine `make test` installs what is missing first (lab/deps, as
# root; otherwise it names the packages to install), as `make demo` does.
test: deps unit-test fuzz lab-test package-test vmcore-test bench

demo: deps
	lab/demo

clean:
	rm -rf .build Fuzz/.build lab/out
