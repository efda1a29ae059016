package site

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// agentBuilds maps "os-arch" to the agent binary the site serves for it.
type agentBuilds struct {
	paths map[string]string
}

// findAgentBuilds looks in dir for tether-<os>-<arch>[.exe] and, for the
// site's own platform, falls back to a `tether` next to the site binary, so
// that `go build` of the two commands is enough to serve downloads.
func findAgentBuilds(dir string, log *slog.Logger) *agentBuilds {
	a := &agentBuilds{paths: map[string]string{}}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			log.Warn("agents dir", "dir", dir, "err", err)
		}
		for _, e := range entries {
			name := strings.TrimSuffix(e.Name(), ".exe")
			plat, ok := strings.CutPrefix(name, "tether-")
			if !ok || e.IsDir() || strings.Count(plat, "-") != 1 {
				continue
			}
			a.paths[plat] = filepath.Join(dir, e.Name())
		}
	}
	self := runtime.GOOS + "-" + runtime.GOARCH
	if _, ok := a.paths[self]; !ok {
		if exe, err := os.Executable(); err == nil {
			p := filepath.Join(filepath.Dir(exe), "tether")
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				a.paths[self] = p
			}
		}
	}
	if len(a.paths) == 0 {
		log.Warn("no agent builds found: downloads will fail; build them with `make build` or pass --agents DIR")
	} else {
		log.Info("serving agent downloads", "platforms", strings.Join(a.platforms(), ", "))
	}
	return a
}

func (a *agentBuilds) platforms() []string {
	var out []string
	for p := range a.paths {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (a *agentBuilds) path(platform string) (string, bool) {
	p, ok := a.paths[platform]
	return p, ok
}

// guessPlatform picks a download for a browser from its User-Agent; scripts
// pass ?platform= explicitly.
func guessPlatform(ua string) string {
	ua = strings.ToLower(ua)
	switch {
	case strings.Contains(ua, "windows"):
		if strings.Contains(ua, "arm64") {
			return "windows-arm64"
		}
		return "windows-amd64"
	case strings.Contains(ua, "mac os"):
		return "darwin-arm64"
	case strings.Contains(ua, "aarch64"):
		return "linux-arm64"
	}
	return "linux-amd64"
}
