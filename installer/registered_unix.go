//go:build !windows

package installer

import (
	"path/filepath"
	"runtime"
)

// registrationPlaces are where this OS keeps what installs register.
func registrationPlaces(home string) []place {
	if runtime.GOOS == "darwin" {
		p := []place{{"/Library/LaunchDaemons", "tether-*.plist", "launchd", plistBinary}}
		if home != "" {
			p = append(p, place{filepath.Join(home, "Library", "LaunchAgents"), "com.tether.jumpclient.*.plist", "launchd", plistBinary})
		}
		return p
	}
	p := []place{
		{"/etc/systemd/system", "tether-*.service", "systemd", unitBinary},
		{"/etc/init.d", "tether-*", "sysv", initScriptBinary},
	}
	if home != "" {
		p = append(p,
			place{filepath.Join(home, ".config", "systemd", "user"), "tether-*.service", "systemd-user", unitBinary},
			place{filepath.Join(home, ".config", "autostart"), "tether-*.desktop", "xdg-autostart", desktopBinary})
	}
	return p
}

func installedOS() []Registration { return nil }
