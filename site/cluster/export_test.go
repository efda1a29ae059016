package cluster

import "os"

// Silence cuts b off the bus without a bye, as a killed process would be:
// the others notice only by its missing hellos.
func Silence(b *Bus) {
	b.nc.Close()
}

var ErrDeadline = os.ErrDeadlineExceeded
