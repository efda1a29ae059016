// Command fakeagent is a stand-in for the tether agent in packaging tests:
// `install` is the real installer.RunInstall; `uninstall [--install-dir
// DIR]` the real installer.Uninstall (of DIR, default this program's
// directory); `service run` just records its uid and waits for SIGTERM
// like a jump client.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/tetherhq/tether/installer"
)

func main() {
	if len(os.Args) < 2 {
		os.Exit(2)
	}
	switch os.Args[1] {
	case "install":
		self, err := os.Executable()
		if err != nil {
			os.Exit(1)
		}
		os.Exit(installer.RunInstall(context.Background(), os.Args[2:], nil, self, os.Stdout, os.Stderr))
	case "uninstall":
		exe, err := os.Executable()
		if err != nil {
			os.Exit(1)
		}
		dir := filepath.Dir(exe)
		if len(os.Args) == 4 && os.Args[2] == "--install-dir" {
			dir = os.Args[3]
		} else if len(os.Args) != 2 {
			os.Exit(2) // --report-only and the like: nothing to report to
		}
		if err := installer.Uninstall(context.Background(), dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	case "service":
		exe, _ := os.Executable()
		os.WriteFile(filepath.Join(filepath.Dir(exe), "agent-uid"), []byte(strconv.Itoa(os.Getuid())), 0o600)
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		<-ctx.Done()
	default:
		os.Exit(2)
	}
}
