// Package sysinfo answers a technician's "what is this computer?" (SPEC D3,
// G: GET /sessions/{id}/sysinfo): operating system, hostname, uptime, CPU,
// memory, disks, network interfaces, logged-in users and the busiest
// processes.
//
// Collect is built for a remote caller who must always get an answer, and
// soon: every part is gathered on its own goroutine, CPU usage is sampled for
// at most half a second, and the whole call is bounded (by ctx and by an
// internal ceiling of a few seconds), so a hung network mount or a slow WMI
// query costs that one part, never the answer. A part that fails or times out
// leaves its field empty and adds a line to Info.Errors.
//
// Security: the package only reads. What it reports is what any local user
// could see (ps, df, who, ip addr); it runs no commands, takes no input from
// the site and holds no state between calls. Process command lines and
// environments are deliberately not collected: they often carry secrets.
package sysinfo
