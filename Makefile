# Tether — build, test, check, run. `make run` starts a site with agent
# downloads ready; `make test` installs what the tests need and runs them all.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
AGENT_PLATFORMS ?= linux-amd64 linux-arm64 windows-amd64 darwin-amd64 darwin-arm64
HOST    := $(shell $(GO) env GOOS)-$(shell $(GO) env GOARCH)
DATA    ?= tether-data
BIN     := bin
# SITE_KEY (base64, `tether-site key`) makes agents accept only configs that
# site signed (embedcfg.BuildSiteKey); `make run` sets it for its own site.
SITE_KEY ?=
AGENT_LDFLAGS = $(LDFLAGS)$(if $(SITE_KEY), -X github.com/tetherhq/tether/embedcfg.BuildSiteKey=$(SITE_KEY))

.PHONY: build site agents agent test check run clean bench

build: site agents
	cp $(BIN)/agents/tether-$(HOST) $(BIN)/tether

site:
	@echo "building the site ($(BIN)/tether-site)"
	@$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/tether-site ./cmd/tether-site

# Agents are pure Go (X11 through jezek/xgb), so every platform cross-compiles
# with CGO_ENABLED=0. Windows agents are GUI-subsystem programs: a double
# click opens no console window (a terminal still gets the output, see
# cmd/tether/console_windows.go).
agents:
	@for p in $(AGENT_PLATFORMS); do $(MAKE) --no-print-directory agent PLATFORM=$$p || exit 1; done

agent:
	@os=$${PLATFORM%-*}; arch=$${PLATFORM#*-}; ext=; gui=; [ $$os = windows ] && ext=.exe && gui=' -H windowsgui'; \
	mkdir -p $(BIN)/agents; echo "building the agent for $(PLATFORM)"; \
	CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(AGENT_LDFLAGS)$$gui" \
		-o $(BIN)/agents/.tether-$(PLATFORM)$$ext.tmp ./cmd/tether && \
	mv $(BIN)/agents/.tether-$(PLATFORM)$$ext.tmp $(BIN)/agents/tether-$(PLATFORM)$$ext

test:
	./scripts/test.sh

check:
	./scripts/check.sh

bench:
	./scripts/bench.sh

# run builds what this host needs first (the site, its key, this host's
# agent) and starts the site; the other platforms build in the background
# (log in bin/agents.log) and are downloadable as soon as each is done.
run: site
	@set -e; key=$$($(BIN)/tether-site key --data $(DATA)); \
	$(MAKE) --no-print-directory agent PLATFORM=$(HOST) SITE_KEY=$$key; \
	others=$$(echo $(AGENT_PLATFORMS) | tr ' ' '\n' | grep -vx '$(HOST)' | tr '\n' ' '); \
	echo "building the other agents in the background: $$others(log: $(BIN)/agents.log)"; \
	( $(MAKE) --no-print-directory agents AGENT_PLATFORMS="$$others" SITE_KEY=$$key >$(BIN)/agents.log 2>&1 \
		&& echo "all agents built" >>$(BIN)/agents.log & ) ; \
	exec $(BIN)/tether-site serve --data $(DATA) --agents $(BIN)/agents

clean:
	rm -rf $(BIN)
