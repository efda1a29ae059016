package capture

import (
	"testing"

	"github.com/tetherhq/tether/internal/xvfbtest"
)

// EnvRequireX makes tests fail instead of skip when Xvfb is missing (CI).
const EnvRequireX = xvfbtest.EnvRequireX

// Xvfb is a private X server started for one test or benchmark.
type Xvfb = xvfbtest.Server

// StartXvfb starts a private Xvfb of width x height (see xvfbtest.Start).
func StartXvfb(tb testing.TB, width, height int, extra ...string) *Xvfb {
	tb.Helper()
	return xvfbtest.Start(tb, width, height, extra...)
}
