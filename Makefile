# Two commands matter: `make demo` runs the example end to end, `make test` runs every check CI runs.
GO ?= go
TEMPORAL_CLI_VERSION := v1.5.1
TEMPORAL := bin/temporal
export TEMPORAL_CLI := $(CURDIR)/$(TEMPORAL)

.PHONY: demo test vet workflowcheck unit fakes bench fuzz chaos file-sizes

# The Temporal CLI (dev server + Web UI) is built from source once and reused.
$(TEMPORAL):
	@echo "building the Temporal CLI $(TEMPORAL_CLI_VERSION) into bin/ (a few minutes, once)"
	GOBIN=$(CURDIR)/bin $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

## demo: dev server + Web UI, fakes seeded with the Brian Halligan example, worker, and the syncs
demo: $(TEMPORAL)
	$(GO) run ./internal/demo

## test: tracked file sizes, vet, workflowcheck, unit, replay and end-to-end tests (on a real dev server), short fuzz runs
test: $(TEMPORAL) file-sizes vet workflowcheck
	$(GO) test -count=1 -timeout 25m ./...
	$(MAKE) fuzz

# Each fuzz target runs for FUZZTIME (go test allows one -fuzz target per run). Crashers land in
# the package's testdata/fuzz and then run as regression cases in every `go test`.
# An execution count, not a duration: Go 1.26's fuzz coordinator can fail a duration run at its
# deadline with a bare "context deadline exceeded" (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME ?= 50000x
FUZZ_TARGETS := \
	./internal/hubspot:FuzzDecodeResponses ./internal/hubspot:FuzzRetryAfter \
	./internal/clientsuccess:FuzzDecodeResponses ./internal/clientsuccess:FuzzRetryAfter \
	./internal/syncplan:FuzzParseDealID ./internal/syncplan:FuzzContactFields ./internal/syncplan:FuzzDecide \
	./internal/mapping:FuzzCanonicalValues

## fuzz: run every fuzz target for FUZZTIME (default 50000 executions)
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		echo "fuzz $${t#*:} in $${t%%:*} for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz="^$${t#*:}\$$" -fuzztime=$(FUZZTIME) $${t%%:*}; \
	done

vet:
	$(GO) vet ./...

## file-sizes: no tracked file over 1 MiB (built binaries stay out of the repository)
file-sizes:
	.ci/check-file-sizes

workflowcheck:
	$(GO) tool workflowcheck ./...

## unit: the tests that need no dev server
unit:
	$(GO) test -short -count=1 ./...

## chaos: the long chaos run (1,000 contacts, faults, worker SIGKILLs, a dev server restart);
## `make test` runs a 200-contact version of it
chaos: $(TEMPORAL)
	CHAOS_LONG=1 $(GO) test -count=1 -v -run '^TestChaos$$' -timeout 25m ./internal/e2e

## fakes: run the HubSpot and ClientSuccess fakes standalone, seeded with the example
fakes:
	$(GO) run ./internal/fakes/fakeapis

## bench: throughput, API calls, writes, RSS and history size, beside a sequential baseline
bench: $(TEMPORAL)
	$(GO) run ./internal/bench $(BENCH_FLAGS)
