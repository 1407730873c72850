# ferry — build, test, demo and benchmarks. Everything a fresh machine needs is fetched by `go`.
GO        ?= go
BIN       := bin/ferry
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -X main.version=$(VERSION)

.PHONY: all build test test-short vet fmt-check demo bench bench-plan fuzz clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/ferry

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# Every test: vet, gofmt, then the race-enabled suite (unit, simulator, testscript CLI and crash tests).
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 40m ./...

test-short:
	$(GO) test -short -count=1 ./...

# The main jobs on the examples against the sandbox: plan → apply → kill -9 partway → re-apply → No changes.
# examples/m365-nce (Partner Center migrations), then examples/mgn-wave (AWS MGN cutovers in a wave).
demo: build
	./scripts/demo.sh
	KILL_AFTER=5 ./scripts/demo.sh examples/cloudblue-nce
	./scripts/demo.sh examples/mgn-wave

# Benchmarks: engine cost (limits off) and rate-limit tracking (scaled limits), 1 000 and 10 000 subscriptions,
# the journal cost per step on both state backends (local file, PostgreSQL; 10 000 steps) and the runs with
# limits off again with the state in PostgreSQL, then plan time and peak memory at 10 000, 50 000 and 100 000.
bench: build
	./scripts/bench.sh

# Only the plan-at-scale figures (10 000, 50 000 and 100 000 subscriptions; about a minute).
bench-plan: build
	./scripts/bench.sh -plan-only

# Short runs of every fuzz target.
fuzz:
	./scripts/fuzz.sh

clean:
	rm -rf bin
