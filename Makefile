# darkwatch. `make help` lists the targets; `make test` is the README's test command and what
# .ci/run calls. GOFLAGS, GOCACHE, ... pass through from the environment as usual.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

GO           ?= go
BIN          ?= bin/darkwatch
PKGS         ?= ./...
TEST_TIMEOUT ?= 40m
TESTFLAGS    ?=
BENCH        ?= .
BENCHTIME    ?= 1s
# staticcheck 2026.2.2, run through the module proxy: nothing to install by hand.
STATICCHECK  ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME     ?= 60s
# Fuzz targets as <package dir>:<FuzzName> pairs; packages append theirs here, e.g.
#   FUZZ_TARGETS += ./extract/price:FuzzParse
FUZZ_TARGETS ?= ./extract/price:FuzzPriceParse ./extract/quantity:FuzzQuantityParse \
	./extract/country:FuzzCountryParse ./extract/entity:FuzzPGPBlock ./extract/entity:FuzzEntityFind \
	./extract:FuzzExtractPage ./extract:FuzzURLKey ./extract:FuzzPartOf ./extract/substance:FuzzTag ./crawler:FuzzCanonical \
	./crawler/testbed:FuzzSOCKS ./crawler/tor:FuzzDecodeBody ./crawler/tor:FuzzControlField ./index/api:FuzzSearchParams \
	./extract/induce:FuzzInduce ./extract/induce:FuzzDecode
SERVICES     := deploy/dev/services.sh

.DEFAULT_GOAL := help
.PHONY: help build run test test-short lint bench bench-crawl fuzz fuzz-list services-start services-stop services-env ci clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-15s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/darkwatch
	$(GO) build -o $(BIN) ./cmd/darkwatch

run: build ## start the market testbed, crawl it with the embedded default, print what to try next
	BIN=$(BIN) deploy/dev/run.sh

test: ## unit + integration tests with -race (integration tests need: eval "$(deploy/dev/services.sh start)")
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) $(TESTFLAGS) $(PKGS)

test-short: ## quick tests: -short, no -race
	$(GO) test -short -count=1 -timeout 10m $(TESTFLAGS) $(PKGS)

lint: ## go mod tidy -diff, gofmt, go vet, staticcheck (pinned); runs all four, fails if any fails
	@rc=0; \
	echo "lint: go mod tidy -diff"; \
	$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy' and commit the result"; rc=1; }; \
	echo "lint: gofmt -l"; \
	unformatted=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')); \
	if [[ -n $$unformatted ]]; then echo "gofmt: these files need formatting:"; echo "$$unformatted"; rc=1; fi; \
	echo "lint: go vet $(PKGS)"; \
	$(GO) vet $(PKGS) || rc=1; \
	echo "lint: staticcheck $(PKGS) ($(STATICCHECK))"; \
	$(GO) run $(STATICCHECK) $(PKGS) || rc=1; \
	exit $$rc

bench: ## benchmarks (BENCH=regexp BENCHTIME=1s PKGS=./...)
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem -benchtime $(BENCHTIME) $(PKGS)

bench-crawl: ## crawler vs bare net/http and plain Colly, frontier vs raw Redis (needs DARKWATCH_TEST_REDIS_URL)
	$(GO) test -run '^$$' -bench 'Crawl' -benchtime 3x ./crawler/
	$(GO) test -run '^$$' -bench . -benchtime 1x ./crawler/frontier/

fuzz: ## fuzz each FUZZ_TARGETS pkg:FuzzName for FUZZTIME (default 60s)
	@if [[ -z "$(strip $(FUZZ_TARGETS))" ]]; then echo "fuzz: FUZZ_TARGETS is empty (see 'make fuzz-list')"; exit 0; fi; \
	for target in $(FUZZ_TARGETS); do \
		pkg=$${target%%:*}; name=$${target#*:}; \
		echo "fuzz: $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s "$$pkg"; \
	done

fuzz-list: ## list the fuzz functions in the tree as pkg:FuzzName
	@grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed -E 's#^(.*)/[^/]*:func (.*)#\1:\2#' | sort

services-start: ## start Redis, Elasticsearch, Tor on free ports; then: eval "$(deploy/dev/services.sh env)"
	bash $(SERVICES) start

services-stop: ## stop the services started by services-start
	bash $(SERVICES) stop

services-env: ## print the export lines of the running services
	@bash $(SERVICES) env

ci: ## what CI runs: services, lint, test
	bash .ci/run

clean: ## remove build outputs
	rm -rf bin darkwatch-run testout
