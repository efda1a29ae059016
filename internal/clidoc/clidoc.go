// Package clidoc writes a cobra command tree into docs/CLI.md, so the CLI
// reference is generated from the programs and tested against them.
package clidoc

import (
	"bytes"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Render is the reference of root and its visible subcommands: each
// command's help text in a code block, in tree order.
func Render(root *cobra.Command) string {
	var b strings.Builder
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || (c.Name() == "help" && c.HasParent()) || c.Name() == "completion" {
			return
		}
		var help bytes.Buffer
		c.SetOut(&help)
		c.SetErr(&help)
		c.Help()
		fmt.Fprintf(&b, "### `%s`\n\n```\n%s```\n\n", c.CommandPath(), help.String())
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	return b.String()
}

// Check compares the section name of the file at path with want, and
// rewrites it when update is set. It returns a message when they differ.
func Check(path, name, want string, update bool) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	doc := string(b)
	begin, end := "<!-- "+name+":begin -->\n", "<!-- "+name+":end -->"
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("%s has no %s section", path, name)
	}
	if doc[i+len(begin):j] == want {
		return "", nil
	}
	if update {
		return "", os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644)
	}
	return fmt.Sprintf("%s: the %s section differs from the program; run go test ./cmd/... -run TestCLIDocumented -update", path, name), nil
}
