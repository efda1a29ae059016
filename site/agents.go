package site

import (
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// agentBuilds finds the agent binary the site serves for each platform:
// tether-<os>-<arch>[.exe] in its dir, and for the site's own platform a
// `tether` next to the site binary, so that `go build` of the two commands
// is enough to serve downloads. The dir is read on every lookup (a handful
// of entries): builds that finish after the site started — `make run`
// builds the host's first and the rest in the background — are served as
// soon as they are there.
type agentBuilds struct {
	dir  string
	self string // the fallback for the site's own platform ("" if none)
	log  *slog.Logger
}

func findAgentBuilds(dir string, log *slog.Logger) *agentBuilds {
	a := &agentBuilds{dir: dir, log: log}
	if exe, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(exe), "tether")
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			a.self = p
		}
	}
	if dir != "" {
		if _, err := os.ReadDir(dir); err != nil {
			log.Warn("agents dir", "dir", dir, "err", err)
		}
	}
	if ps := a.platforms(); len(ps) == 0 {
		log.Warn("no agent builds found yet: downloads fail until there are; build them with `make build` or pass --agents DIR")
	} else {
		log.Info("serving agent downloads", "platforms", strings.Join(ps, ", "))
	}
	return a
}

// paths maps "os-arch" to the build the site serves for it now.
func (a *agentBuilds) paths() map[string]string {
	m := map[string]string{}
	if a.dir != "" {
		entries, _ := os.ReadDir(a.dir)
		for _, e := range entries {
			// Builds are tether-<os>-<arch>[.exe]; other files beside
			// them (template MSIs, temporary files) are not platforms.
			if ext := filepath.Ext(e.Name()); ext != "" && ext != ".exe" {
				continue
			}
			name := strings.TrimSuffix(e.Name(), ".exe")
			plat, ok := strings.CutPrefix(name, "tether-")
			if !ok || e.IsDir() || strings.Count(plat, "-") != 1 {
				continue
			}
			m[plat] = filepath.Join(a.dir, e.Name())
		}
	}
	if self := runtime.GOOS + "-" + runtime.GOARCH; m[self] == "" && a.self != "" {
		m[self] = a.self
	}
	return m
}

func (a *agentBuilds) platforms() []string {
	var out []string
	for p := range a.paths() {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// describe says what the site serves now, for the start banner: builds
// that land in the dir later are served too, which the banner must not
// hide (`make run` builds all but the host's in the background).
func (a *agentBuilds) describe() string {
	now := strings.Join(a.platforms(), ", ")
	if now == "" {
		now = "none yet"
	}
	if a.dir == "" {
		return now
	}
	return now + " (more are served as their builds appear in " + a.dir + "; see /api/v1/platforms)"
}

func (a *agentBuilds) path(platform string) (string, bool) {
	p, ok := a.paths()[platform]
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
