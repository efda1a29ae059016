package sysinfo

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCollectLinux compares what Collect reports with what the kernel says
// directly, while a busy child process runs.
func TestCollectLinux(t *testing.T) {
	busy := exec.CommandContext(t.Context(), "sh", "-c", "while :; do :; done")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Process.Kill(); busy.Wait() })
	time.Sleep(50 * time.Millisecond) // let it exec and spin

	start := time.Now()
	info, err := Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Errorf("Collect took %v", d)
	}
	if len(info.Errors) > 0 {
		t.Errorf("errors: %q", info.Errors)
	}

	if h, _ := os.Hostname(); info.Hostname != h {
		t.Errorf("hostname %q, want %q", info.Hostname, h)
	}

	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("/etc/os-release")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := OS{Name: parseOSRelease(f), Platform: "linux", Kernel: unix.ByteSliceToString(uts.Release[:]),
		Arch: unix.ByteSliceToString(uts.Machine[:])}
	if info.OS != want || want.Name == "" {
		t.Errorf("os %+v, want %+v", info.OS, want)
	}

	up := procFloat(t, "/proc/uptime")
	if u := float64(info.UptimeS); u < up-5 || u > up+5 {
		t.Errorf("uptime_s %d, /proc/uptime %.0f", info.UptimeS, up)
	}

	if info.CPU.Model == "" || info.CPU.Cores < 1 || info.CPU.Cores < info.CPU.PhysicalCores {
		t.Errorf("cpu %+v", info.CPU)
	}
	// The spinning child keeps at least one core busy; allow for a
	// machine shared with others.
	if info.CPU.UsagePercent <= 0 || info.CPU.UsagePercent > 100 {
		t.Errorf("cpu usage %v%% with a spinning child", info.CPU.UsagePercent)
	}

	memTotal := meminfo(t, "MemTotal")
	if m := info.Memory; m.Total != memTotal || m.Used == 0 || m.Used > m.Total || m.Available == 0 || m.Available > m.Total {
		t.Errorf("memory %+v, MemTotal %d", m, memTotal)
	}

	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(info.Disks, func(d Disk) bool { return d.Mount == "/" })
	if i < 0 {
		t.Fatalf("no / in disks %+v", info.Disks)
	}
	if d := info.Disks[i]; d.Total != st.Blocks*uint64(st.Bsize) || d.FS == "" || d.Used > d.Total {
		t.Errorf("disk / %+v, statfs total %d", d, st.Blocks*uint64(st.Bsize))
	}

	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Interfaces) != len(ifs) {
		t.Errorf("%d interfaces, want %d", len(info.Interfaces), len(ifs))
	}
	lo := slices.IndexFunc(info.Interfaces, func(i Interface) bool { return i.Name == "lo" })
	if lo < 0 || !info.Interfaces[lo].Up || !info.Interfaces[lo].Loopback ||
		!slices.Contains(info.Interfaces[lo].Addresses, "127.0.0.1/8") {
		t.Errorf("loopback missing or wrong in %+v", info.Interfaces)
	}

	if len(info.Processes) == 0 || len(info.Processes) > topProcesses {
		t.Fatalf("%d processes", len(info.Processes))
	}
	p := slices.IndexFunc(info.Processes, func(p Process) bool { return p.PID == int32(busy.Process.Pid) })
	if p < 0 {
		t.Fatalf("spinning child %d not in top processes %+v", busy.Process.Pid, info.Processes)
	}
	if got := info.Processes[p]; got.Name != "sh" || got.CPUPercent <= 0 || got.RSS == 0 || got.User == "" {
		t.Errorf("spinning child reported as %+v", got)
	}
	for i := 1; i < len(info.Processes); i++ {
		a, b := info.Processes[i-1], info.Processes[i]
		if a.CPUPercent < b.CPUPercent || (a.CPUPercent == b.CPUPercent && a.RSS < b.RSS) {
			t.Errorf("processes not sorted by cpu, then rss: %+v before %+v", a, b)
		}
	}
}

func procFloat(t *testing.T, path string) float64 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func meminfo(t *testing.T, key string) uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			kb, err := strconv.ParseUint(strings.Fields(v)[0], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatalf("no %s in /proc/meminfo", key)
	return 0
}
