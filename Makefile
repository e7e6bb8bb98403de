# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(PATH)
# Tesseract's OpenMP: one thread per recogniser (camera/cardfront/tess)
export OMP_THREAD_LIMIT := 1
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
BIN := bin/uketsuke
FUZZTIME ?= 30s

.PHONY: setup setup-test build deb run test fuzz clean

# Debian packages and Go, only what is missing.
setup:
	@./packaging/setup-debian.sh --demo
	@go mod download
	@./packaging/setup-fonts.sh
	@./packaging/setup-trust.sh
	@./packaging/setup-models.sh

setup-test:
	@./packaging/setup-debian.sh --test
	@go mod download
	@./packaging/setup-fonts.sh
	@./packaging/setup-trust.sh
	@./packaging/setup-models.sh

build: setup
	go build -ldflags "-X main.version=$(VERSION)" -o $(BIN) ./cmd/uketsuke

# The Debian package, dist/uketsuke_<version>_amd64.deb (see the README,
# "Installing at a clinic").
deb: setup
	./packaging/build-deb.sh

# The kiosk in demo mode, full screen: virtual card over pcscd, camera
# from images, eligibility simulator. Without a display it runs on its own
# Xvfb and walks the demo patients through every path, with screenshots.
run: build
	. packaging/shared-dir.sh && ./$(BIN) run --demo

test: setup-test
	./packaging/run-tests.sh

# Run every fuzz target for FUZZTIME each (not part of `make test`, which
# runs their seed corpora).
fuzz: setup
	@set -e; for pkg in $$(go list ./...); do \
	  for f in $$(go test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; go test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

clean:
	rm -rf bin .build dist
