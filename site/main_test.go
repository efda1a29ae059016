package site_test

import (
	"testing"

	"github.com/tetherhq/tether/internal/pgtest"
)

// TestMain shares one private PostgreSQL server among the tests and
// benchmarks that run a site on PostgreSQL (started on first use).
func TestMain(m *testing.M) { pgtest.Main(m) }
