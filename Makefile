# Tether — build, test, check, run. `make run` starts a site with agent
# downloads ready; `make test` installs what the tests need and runs them all.
GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
AGENT_PLATFORMS ?= linux-amd64 linux-arm64 windows-amd64 darwin-amd64 darwin-arm64
BIN := bin

.PHONY: build agents test check run clean bench

build: agents
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/tether-site ./cmd/tether-site
	cp $(BIN)/agents/tether-$$($(GO) env GOOS)-$$($(GO) env GOARCH) $(BIN)/tether

# Agents are pure Go (X11 through jezek/xgb), so every platform cross-compiles
# with CGO_ENABLED=0.
agents:
	@mkdir -p $(BIN)/agents
	@for p in $(AGENT_PLATFORMS); do \
		os=$${p%-*}; arch=$${p#*-}; ext=; [ $$os = windows ] && ext=.exe; \
		echo "agent $$p"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags '$(LDFLAGS)' \
			-o $(BIN)/agents/tether-$$p$$ext ./cmd/tether || exit 1; \
	done

test:
	./scripts/test.sh

check:
	./scripts/check.sh

bench:
	./scripts/bench.sh

run: build
	$(BIN)/tether-site serve --data tether-data --agents $(BIN)/agents

clean:
	rm -rf $(BIN)
