package site_test

import (
	"cmp"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/wire"
)

// TestAPIDocumented keeps docs/API.md in step with the site: every route
// must be documented (as `METHOD PATH`), and the error-code table is
// generated from package wire (rewritten with -update).
func TestAPIDocumented(t *testing.T) {
	const path = "../docs/API.md"
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	s := sitetest.Start(t, nil)
	for _, p := range s.Server.APIPatterns() {
		if !strings.Contains(doc, "`"+p+"`") {
			t.Errorf("docs/API.md does not document `%s`", p)
		}
	}
	const begin, end = "<!-- codes:begin -->\n", "<!-- codes:end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatal("docs/API.md has no codes section")
	}
	codes := wire.Codes()
	slices.SortFunc(codes, func(a, b wire.Code) int { return cmp.Compare(a, b) })
	var table strings.Builder
	table.WriteString("| code | HTTP | text |\n|---|---|---|\n")
	for _, c := range codes {
		fmt.Fprintf(&table, "| `%s` | %d | %s |\n", c, c.HTTPStatus(), c.Message())
	}
	if got := doc[i+len(begin) : j]; got != table.String() {
		if *update {
			os.WriteFile(path, []byte(doc[:i+len(begin)]+table.String()+doc[j:]), 0o644)
			return
		}
		t.Fatalf("docs/API.md's error codes differ from package wire; run go test ./site -run TestAPIDocumented -update:\n%s", table.String())
	}
}

var update = flag.Bool("update", false, "rewrite generated docs")
