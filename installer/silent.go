package installer

import (
	"errors"
	"io/fs"
)

// Exit statuses of `tether install` (and the .bin, which passes them on).
// Scripts deploying jump clients branch on these, so they are stable.
const (
	ExitOK              = 0
	ExitFailure         = 1 // anything not listed below
	ExitUsage           = 2 // bad flags or MSI properties
	ExitInvalid         = 3 // options fail validation (dir exists, no such user …)
	ExitRootWithoutUser = 4 // Linux: root without --user
	ExitExpired         = 5 // the installer's validity period is over
	ExitNeedsAdmin      = 6 // needs root / Administrator
)

// ExitCode maps an Install/Uninstall/ParseFlags error to the exit status.
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, ErrHelp):
		return ExitOK
	case errors.Is(err, ErrUsage):
		return ExitUsage
	case errors.Is(err, ErrRootWithoutUser):
		return ExitRootWithoutUser
	case errors.Is(err, ErrExpired):
		return ExitExpired
	case errors.Is(err, ErrNeedsAdmin), errors.Is(err, fs.ErrPermission):
		return ExitNeedsAdmin
	case errors.Is(err, ErrInvalid):
		return ExitInvalid
	}
	return ExitFailure
}

// EventSource is the name failures are logged under (syslog tag, Windows
// event source).
const EventSource = "tether"

// ReportFailure records an install failure in the OS log (syslog on Unix,
// the Application event log on Windows). With --silent this and the exit
// status are the only traces of a failure (SPEC C3), so the caller should
// still exit with ExitCode(err). It returns an error when no OS log is
// reachable (e.g. a container without /dev/log).
func ReportFailure(err error) error {
	if err == nil {
		return nil
	}
	return writeOSLog("Tether jump client installation failed: " + err.Error())
}
