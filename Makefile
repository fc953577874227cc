# Front end for the CMake build. Every target installs missing Debian packages first
# (scripts/install-deps) and configures the build tree when needed.
PRESET    ?= release
BUILD_DIR := build/$(PRESET)
FUZZ_TIME ?= 30
JOBS      ?= $(shell nproc)
CASES     ?= ../shared/conformance/cases
FIXTURES  ?= ../shared/conformance/fixtures
# Case-id prefixes the conformance runner should report as skipped (none: every case runs).
SKIP      ?=
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: all deps configure build run test bench fuzz format format-check conformance clean

all: build

deps:
	@scripts/install-deps

$(BUILD_DIR)/build.ninja: CMakeLists.txt CMakePresets.json | deps
	cmake --preset $(PRESET)

configure: deps $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	./$(BUILD_DIR)/skydive allinone $(ARGS)

test: build
	ctest --test-dir $(BUILD_DIR) -j $(JOBS) --output-on-failure

bench: build
	@scripts/run-benches $(BUILD_DIR)

fuzz: deps
	@[ -f build/fuzz/build.ninja ] || cmake --preset fuzz
	cmake --build build/fuzz -j $(JOBS) --target fuzzers
	@scripts/run-fuzzers build/fuzz $(FUZZ_TIME)

conformance: build
	@if [ -x $(BUILD_DIR)/conformance ]; then ./$(BUILD_DIR)/conformance $(if $(SKIP),--skip $(SKIP)) $(CASES) $(FIXTURES); \
	 else echo "conformance runner not built yet (Gremlin issue)"; exit 1; fi

format:
	@git ls-files '*.cpp' '*.h' | grep -v '/generated/' | xargs clang-format -i

format-check:
	@git ls-files '*.cpp' '*.h' | grep -v '/generated/' | xargs clang-format --dry-run --Werror

clean:
	rm -rf build
