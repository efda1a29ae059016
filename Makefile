# Tether — build, test, check, run. `make run` starts a site with agent
# downloads ready; `make test` installs what the tests need and runs them all.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
AGENT_PLATFORMS ?= linux-amd64 linux-arm64 windows-amd64 darwin-amd64 darwin-arm64
HOST    := $(shell $(GO) env GOOS)-$(shell $(GO) env GOARCH)
DATA    ?= tether-data
# SERVE_FLAGS are more `tether-site serve` flags for `make run`, e.g.
# SERVE_FLAGS="--listen :9443 --public-url https://support.example.com:9443".
SERVE_FLAGS ?=
BIN     := bin
# SITE_KEY (base64, `tether-site key`) makes agents accept only configs that
# site signed (embedcfg.BuildSiteKey); `make run` sets it for its own site.
SITE_KEY ?=
AGENT_LDFLAGS = $(LDFLAGS)$(if $(SITE_KEY), -X github.com/tetherhq/tether/embedcfg.BuildSiteKey=$(SITE_KEY))

# Windows builds are signed (Authenticode, with the blob the site stamps
# download configs into) by tether-pack: with TETHER_SIGN_PFX and
# TETHER_SIGN_PASSWORD, or TETHER_SIGN_CERT and TETHER_SIGN_KEY, from the
# environment, else with a development certificate it creates once as
# $(BIN)/dev-codesign.{crt,key} (README, "Windows").
PACK    := $(BIN)/tether-pack
# The Windows platforms a template MSI is built for (wixl and the custom
# action's MinGW compiler only do amd64 here).
MSI_PLATFORMS ?= $(filter windows-amd64,$(AGENT_PLATFORMS))

.PHONY: build site agents agent msi pack test check run clean bench

build: site agents msi
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
	tmp=$(BIN)/agents/.tether-$(PLATFORM)$$ext.tmp; \
	CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(AGENT_LDFLAGS)$$gui" -o $$tmp ./cmd/tether || exit 1; \
	if [ $$os = windows ]; then \
		$(MAKE) --no-print-directory pack && echo "signing the agent for $(PLATFORM)" && \
		$(PACK) --dev-dir $(BIN) sign $$tmp $$tmp.signed && mv $$tmp.signed $$tmp || { rm -f $$tmp $$tmp.signed; exit 1; }; \
	fi; \
	mv $$tmp $(BIN)/agents/tether-$(PLATFORM)$$ext

# msi builds the template MSI of each signed Windows agent
# (tether-windows-amd64.msi beside it); the site stamps each installer's
# config into its signature per download.
msi: pack
	@for p in $(MSI_PLATFORMS); do \
		[ -f $(BIN)/agents/tether-$$p.exe ] || $(MAKE) --no-print-directory agent PLATFORM=$$p || exit 1; \
		echo "building the MSI for $$p"; \
		$(PACK) --dev-dir $(BIN) msi --arch $${p#*-} --agent $(BIN)/agents/tether-$$p.exe --out $(BIN)/agents/tether-$$p.msi || exit 1; \
	done

pack:
	@$(GO) build -trimpath -o $(PACK) ./cmd/tether-pack

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
	( $(MAKE) --no-print-directory agents msi AGENT_PLATFORMS="$$others" SITE_KEY=$$key >$(BIN)/agents.log 2>&1 \
		&& echo "all agents built" >>$(BIN)/agents.log & ) ; \
	exec $(BIN)/tether-site serve --data $(DATA) --agents $(BIN)/agents $(SERVE_FLAGS)

clean:
	rm -rf $(BIN)
