# Thin wrapper over CMake presets. Every target installs missing Debian packages first (idempotent).
PRESET ?= default
BUILD_DIR := build/$(PRESET)
JOBS ?= $(shell nproc)
RAMBOX ?= poweroff

.PHONY: all deps build test demo bench install clean

all: build

deps:
	scripts/install-deps build

build: deps
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)

test:
	scripts/install-deps test
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 900

demo:
	scripts/install-deps demo
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)
	RAMBOX=$(RAMBOX) scripts/demo $(BUILD_DIR)

# Builds only what scripts/bench runs (target bootfw_bench_deps: no tests), and logs each phase's seconds.
bench:
	@t=$$(date +%s); scripts/install-deps bench && echo "bench: stage install-deps: $$(( $$(date +%s) - t )) s" >&2
	@t=$$(date +%s); cmake --preset $(PRESET) >/dev/null && cmake --build --preset $(PRESET) -j $(JOBS) --target bootfw_bench_deps \
	  && echo "bench: stage build: $$(( $$(date +%s) - t )) s" >&2
	@t=$$(date +%s); scripts/bench $(BUILD_DIR); rc=$$?; echo "bench: stage scripts/bench: $$(( $$(date +%s) - t )) s" >&2; exit $$rc

install: build
	cmake --install $(BUILD_DIR) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf build
