# Two commands matter: `make demo` runs the example end to end, `make test` runs every check CI runs.
GO ?= go
TEMPORAL_CLI_VERSION := v1.5.1
TEMPORAL := bin/temporal
export TEMPORAL_CLI := $(CURDIR)/$(TEMPORAL)

.PHONY: demo test vet workflowcheck unit fakes bench

# The Temporal CLI (dev server + Web UI) is built from source once and reused.
$(TEMPORAL):
	@echo "building the Temporal CLI $(TEMPORAL_CLI_VERSION) into bin/ (a few minutes, once)"
	GOBIN=$(CURDIR)/bin $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

## demo: dev server + Web UI, fakes seeded with the Brian Halligan example, worker, and the syncs
demo: $(TEMPORAL)
	$(GO) run ./internal/demo

## test: vet, workflowcheck, unit, replay and end-to-end tests (on a real dev server)
test: $(TEMPORAL) vet workflowcheck
	$(GO) test -count=1 -timeout 25m ./...

vet:
	$(GO) vet ./...

workflowcheck:
	$(GO) tool workflowcheck ./...

## unit: the tests that need no dev server
unit:
	$(GO) test -short -count=1 ./...

## fakes: run the HubSpot and ClientSuccess fakes standalone, seeded with the example
fakes:
	$(GO) run ./internal/fakes/fakeapis

## bench: throughput, API calls, writes, RSS and history size, beside a sequential baseline
bench: $(TEMPORAL)
	$(GO) run ./internal/bench $(BENCH_FLAGS)
