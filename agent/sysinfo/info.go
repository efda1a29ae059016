package sysinfo

import "time"

// Info is the JSON answer of GET /sessions/{id}/sysinfo (SPEC G). Field names
// may grow; the top-level ones must stay.
type Info struct {
	OS         OS          `json:"os"`
	Hostname   string      `json:"hostname"`
	UptimeS    uint64      `json:"uptime_s"`
	CPU        CPU         `json:"cpu"`
	Memory     Memory      `json:"memory"`
	Disks      []Disk      `json:"disks"`
	Interfaces []Interface `json:"interfaces"`
	Users      []User      `json:"users"`
	Processes  []Process   `json:"processes"`
	// Errors names the parts that failed or timed out, e.g.
	// "users: not implemented". The other fields are still valid.
	Errors []string `json:"errors,omitempty"`
}

// OS describes the operating system.
type OS struct {
	// Name is what a person would call it, with its version:
	// "Debian GNU/Linux 12 (bookworm)", "Windows 10 Pro 22H2 (build 19045)",
	// "macOS 14.5".
	Name     string `json:"name"`
	Platform string `json:"platform"` // GOOS: linux, windows, darwin
	Kernel   string `json:"kernel"`   // "6.1.0-21-amd64", "10.0.19045", "23.5.0"
	Arch     string `json:"arch"`     // the machine's: x86_64, arm64, …
}

// CPU is the processor and how busy it was during the sample window.
type CPU struct {
	Model         string  `json:"model"`
	Cores         int     `json:"cores"`                    // logical processors
	PhysicalCores int     `json:"physical_cores,omitempty"` // when known
	UsagePercent  float64 `json:"usage_percent"`            // 0–100, all cores together
}

// Memory is physical memory in bytes.
type Memory struct {
	Total     uint64 `json:"total"`
	Used      uint64 `json:"used"`
	Available uint64 `json:"available"`
}

// Disk is one mounted file system; sizes in bytes.
type Disk struct {
	Mount string `json:"mount"` // "/", "C:"
	FS    string `json:"fs"`    // ext4, NTFS, apfs
	Total uint64 `json:"total"`
	Used  uint64 `json:"used"`
	Free  uint64 `json:"free"` // available to unprivileged users
}

// Interface is one network interface.
type Interface struct {
	Name      string   `json:"name"`
	MAC       string   `json:"mac,omitempty"`
	Addresses []string `json:"addresses"` // CIDR: "192.168.1.20/24", "fe80::1/64"
	Up        bool     `json:"up"`
	Loopback  bool     `json:"loopback,omitempty"`
}

// User is one login session.
type User struct {
	Name     string    `json:"name"`
	Terminal string    `json:"terminal,omitempty"` // pts/0, tty1, Console, RDP-Tcp#3
	Host     string    `json:"host,omitempty"`     // remote host for ssh/RDP logins
	Since    time.Time `json:"since,omitzero"`
}

// Process is one of the busiest processes.
type Process struct {
	PID        int32   `json:"pid"`
	Name       string  `json:"name"`
	User       string  `json:"user,omitempty"`
	CPUPercent float64 `json:"cpu_percent"` // share of the whole machine, 0–100
	RSS        uint64  `json:"rss"`         // resident memory in bytes
}
