package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestNewLogger(t *testing.T) {
	var b bytes.Buffer
	// Not a terminal: auto is JSON, one object per line with the
	// attributes as fields.
	log, err := newLogger(&b, "auto", "info")
	if err != nil {
		t.Fatal(err)
	}
	log.Debug("hidden")
	log.Info("audit", "event", "login", "session", "s1")
	var line map[string]any
	if err := json.Unmarshal(b.Bytes(), &line); err != nil || line["event"] != "login" || line["level"] != "INFO" {
		t.Fatalf("json log: %q %v", b.String(), err)
	}
	b.Reset()
	log, _ = newLogger(&b, "text", "warn")
	log.Info("hidden")
	log.Warn("shown", "k", "v")
	if out := b.String(); !strings.Contains(out, "level=WARN msg=shown k=v") || strings.Contains(out, "hidden") {
		t.Fatalf("text log: %q", out)
	}
	if _, err := newLogger(&b, "xml", "info"); err == nil {
		t.Fatal("--log-format xml accepted")
	}
	if _, err := newLogger(&b, "json", "loud"); err == nil {
		t.Fatal("--log-level loud accepted")
	}
}
