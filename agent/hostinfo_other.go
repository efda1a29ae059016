//go:build !linux

package agent

import (
	"os"
	"time"
)

// bootTime is not known without OS-specific calls here yet.
func bootTime() time.Time { return time.Time{} }

func domainInfo() (domain, workgroup string) {
	return os.Getenv("USERDNSDOMAIN"), os.Getenv("USERDOMAIN")
}
