package installer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"testing"
)

func TestExitCode(t *testing.T) {
	for err, want := range map[error]int{
		nil:                                  ExitOK,
		ErrHelp:                              ExitOK,
		fmt.Errorf("x: %w", ErrUsage):        ExitUsage,
		ErrRootWithoutUser:                   ExitRootWithoutUser,
		fmt.Errorf("a: %w", ErrExpired):      ExitExpired,
		fmt.Errorf("a: %w", ErrNeedsAdmin):   ExitNeedsAdmin,
		&fs.PathError{Err: fs.ErrPermission}: ExitNeedsAdmin,
		invalid("dir exists"):                ExitInvalid,
		errors.New("disk full"):              ExitFailure,
	} {
		if got := ExitCode(err); got != want {
			t.Errorf("ExitCode(%v) = %d, want %d", err, got, want)
		}
	}
}

func TestReportFailure(t *testing.T) {
	if ReportFailure(nil) != nil {
		t.Error("nil error reported")
	}
	if runtime.GOOS == "linux" {
		if _, err := os.Stat("/dev/log"); err != nil {
			// No syslog daemon in this container: the error must say so.
			if err := ReportFailure(errors.New("test")); err == nil {
				t.Error("ReportFailure without /dev/log claimed success")
			}
			t.Skip("no /dev/log here; syslog delivery untested")
		}
	}
	if err := ReportFailure(errors.New("tether installer test failure (ignore)")); err != nil {
		t.Errorf("ReportFailure: %v", err)
	}
}
