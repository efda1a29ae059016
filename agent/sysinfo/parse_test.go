package sysinfo

import (
	"strings"
	"testing"

	"github.com/shirou/gopsutil/v4/cpu"
)

func TestParseOSRelease(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"debian", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n",
			"Debian GNU/Linux 12 (bookworm)"},
		{"single quotes", "PRETTY_NAME='Alpine Linux v3.20'\n", "Alpine Linux v3.20"},
		{"unquoted", "PRETTY_NAME=Arch\n", "Arch"},
		{"escapes", `PRETTY_NAME="Say \"hi\" \$HOME"`, `Say "hi" $HOME`},
		{"no pretty name", "NAME=Fedora\nVERSION=\"40 (Workstation Edition)\"\n", "Fedora 40 (Workstation Edition)"},
		{"comments and blanks", "# PRETTY_NAME=wrong\n\n  PRETTY_NAME=\"Ubuntu 24.04 LTS\"  \n", "Ubuntu 24.04 LTS"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseOSRelease(strings.NewReader(tt.in)); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMacName(t *testing.T) {
	const plist = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>BuildID</key>
	<string>6B4B4A3E-1F1A-11EF-8B26-7D6B3C0B5F1E</string>
	<key>ProductBuildVersion</key>
	<string>23F79</string>
	<key>ProductCopyright</key>
	<string>1983-2024 Apple Inc.</string>
	<key>ProductName</key>
	<string>macOS</string>
	<key>ProductUserVisibleVersion</key>
	<string>14.5</string>
	<key>ProductVersion</key>
	<string>14.5</string>
	<key>iOSSupportVersion</key>
	<string>17.5</string>
	<key>Nested</key>
	<dict><key>ProductName</key><string>not this</string></dict>
</dict>
</plist>`
	tests := []struct{ name, in, want string }{
		{"sonoma", plist, "macOS 14.5"},
		{"old", `<plist><dict><key>ProductName</key><string>Mac OS X</string><key>ProductVersion</key><string>10.15.7</string></dict></plist>`, "Mac OS X 10.15.7"},
		{"missing name", `<plist><dict><key>ProductVersion</key><string>15.0</string></dict></plist>`, "macOS 15.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := parsePlistStrings(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := macName(v); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWindowsName(t *testing.T) {
	tests := []struct{ product, display, release, build, want string }{
		{"Windows 10 Pro", "22H2", "2009", "19045", "Windows 10 Pro 22H2 (build 19045)"},
		{"Windows 10 Pro", "23H2", "2009", "22631", "Windows 11 Pro 23H2 (build 22631)"}, // 11 says 10
		{"Windows 10 Enterprise", "", "1809", "17763", "Windows 10 Enterprise 1809 (build 17763)"},
		{"Windows Server 2022 Datacenter", "21H2", "2009", "20348", "Windows Server 2022 Datacenter 21H2 (build 20348)"},
		{"Microsoft Windows 7 Professional", "", "", "7601", "Windows 7 Professional (build 7601)"},
		{"", "", "", "", "Windows"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := windowsName(tt.product, tt.display, tt.release, tt.build); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBusyPercent(t *testing.T) {
	tests := []struct {
		name string
		a, b cpu.TimesStat
		want float64
	}{
		{"idle", cpu.TimesStat{Idle: 10}, cpu.TimesStat{Idle: 20}, 0},
		{"half", cpu.TimesStat{User: 1, Idle: 1}, cpu.TimesStat{User: 3, Idle: 3}, 50},
		{"iowait is idle", cpu.TimesStat{}, cpu.TimesStat{System: 1, Iowait: 3}, 25},
		{"no time passed", cpu.TimesStat{User: 5}, cpu.TimesStat{User: 5}, 0},
		{"counter went back", cpu.TimesStat{User: 5, Idle: 5}, cpu.TimesStat{User: 4, Idle: 7}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := busyPercent(tt.a, tt.b); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
