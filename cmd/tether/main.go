// Command tether is the Tether agent: the support app a customer runs and
// the jump client admins install. It only parses flags; the work is in
// package agent.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/wire"
)

var version = "dev"

func main() {
	agent.Version = version
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := rootCmd().ExecuteContext(ctx)
	stop()
	if _, reported := err.(exitCode); err != nil && !reported {
		fmt.Fprintln(os.Stderr, err.Error())
	}
	if err != nil {
		os.Exit(exitStatus(err))
	}
}

// exitStatus maps A9/C11 codes to stable exit statuses (wire.Code.ExitStatus)
// and usage errors to 2.
func exitStatus(err error) int {
	if c := wire.CodeOf(err); c != "" {
		return c.ExitStatus()
	}
	if _, ok := err.(usageError); ok {
		return 2
	}
	if c, ok := err.(exitCode); ok {
		return int(c)
	}
	return 1
}

type usageError struct{ error }

// exitCode carries an exit status already reported on stderr (installer).
type exitCode int

func (c exitCode) Error() string { return fmt.Sprintf("exit status %d", int(c)) }
