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

bench:
	scripts/install-deps bench
	cmake --preset $(PRESET) >/dev/null
	cmake --build --preset $(PRESET) -j $(JOBS)
	scripts/bench $(BUILD_DIR)

install: build
	cmake --install $(BUILD_DIR) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf build
