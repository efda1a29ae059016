package site

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/packaging"
	"github.com/tetherhq/tether/wire"
)

// Installer packages (SPEC G): what an installer's download URL serves,
// per platform, the first being the default.
var platformPackages = map[string][]string{
	"linux":   {"bin", "deb", "rpm"},
	"windows": {"msi", "exe"},
	"darwin":  {"pkg"},
}

// packagesFor lists the packages that fit platform ("os-arch").
func packagesFor(platform string) []string {
	goos, _, _ := strings.Cut(platform, "-")
	return platformPackages[goos]
}

// legacyPackage is what installers made before packages existed (stored
// without one) keep serving: the .bin on Linux, the agent elsewhere.
func legacyPackage(platform string) string {
	switch {
	case strings.HasPrefix(platform, "windows-"):
		return "exe"
	case strings.HasPrefix(platform, "darwin-"):
		return "pkg"
	}
	return "bin"
}

// checkPackage fills in the default package and refuses one that does not
// fit the platform, or that this site cannot build for it.
func (s *Server) checkPackage(platform string, pkg *string) error {
	fits := packagesFor(platform)
	if *pkg == "" && len(fits) > 0 {
		*pkg = fits[0]
	}
	if !slices.Contains(fits, *pkg) {
		return wire.Errorf(wire.InvalidPackage, "Package %q does not fit platform %s; choose %s.",
			*pkg, platform, strings.Join(fits, " or "))
	}
	_, arch, _ := strings.Cut(platform, "-")
	switch *pkg {
	case "msi":
		if _, ok := s.agents.msiPath(platform); !ok {
			return wire.Errorf(wire.InvalidPackage, "This site has no MSI for %s (build it with `make msi`); choose package \"exe\".", platform)
		}
	case "deb", "rpm":
		if !slices.Contains([]string{"amd64", "arm64", "386", "arm"}, arch) {
			return wire.Errorf(wire.InvalidPackage, "No .%s for %s; choose package \"bin\".", *pkg, platform)
		}
	}
	return nil
}

// errTooLargeForWindows is the refusal of an installer whose signed config
// does not fit the reserved space in a signed Windows download; err says
// how much room the build's signature left.
func errTooLargeForWindows(err error) error {
	return wire.Errorf(wire.BadRequest, "This installer's settings take too much room for a signed Windows download "+
		"(%v): shorten the comments, tag or jump group.", err)
}

// checkFits refuses an installer whose record (as its downloads will carry
// it) does not fit the slot of its Windows package.
func (s *Server) checkFits(platform, pkg string, cfg *embedcfg.Config) error {
	var fits func([]byte) error
	switch pkg {
	case "exe":
		path, ok := s.agents.path(platform)
		if !ok {
			return nil
		}
		f, info, err := openBuild(path)
		if err != nil {
			return err
		}
		f.Close()
		cfg.BinarySHA256 = info.layout.Digest
		fits = info.layout.Fits
	case "msi":
		path, ok := s.agents.msiPath(platform)
		if !ok {
			return nil
		}
		t, err := s.msiTemplate(path, platform)
		if err != nil {
			return err
		}
		cfg.BinarySHA256 = t.layout.AgentDigest
		fits = t.layout.Fits
	default:
		return nil
	}
	rec, err := embedcfg.Record(cfg, s.siteKey)
	if err != nil {
		return err
	}
	if err := fits(rec); err != nil {
		if errors.Is(err, embedcfg.ErrTooLarge) {
			return errTooLargeForWindows(err)
		}
		return err
	}
	return nil
}

// msiTemplate is a signed template MSI and where its records go.
type msiTemplate struct {
	path   string
	layout *embedcfg.MSILayout
}

// msiTemplates caches InspectMSI per file (path, size, mtime), like
// buildInfos for agent builds: the layout is found once per build.
var msiTemplates = struct {
	sync.Mutex
	m map[string]*msiTemplate
}{m: map[string]*msiTemplate{}}

// msiTemplate returns the layout of the template MSI at path. A template
// without the agent digest stream names the agent build of its platform.
func (s *Server) msiTemplate(path, platform string) (*msiTemplate, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("MSI template: %w", err)
	}
	key := fmt.Sprintf("%s\x00%d\x00%d", path, st.Size(), st.ModTime().UnixNano())
	msiTemplates.Lock()
	t, ok := msiTemplates.m[key]
	msiTemplates.Unlock()
	if ok {
		return t, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("MSI template: %w", err)
	}
	defer f.Close()
	l, err := embedcfg.InspectMSI(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("MSI template %s: %w", path, err)
	}
	t = &msiTemplate{path: path, layout: l}
	msiTemplates.Lock()
	if len(msiTemplates.m) >= 16 {
		clear(msiTemplates.m)
	}
	msiTemplates.m[key] = t
	msiTemplates.Unlock()
	return t, nil
}

// darwinBuild is the universal macOS agent made from the site's darwin
// builds, with what every .pkg and support-app download shares: built once
// per pair of builds (packaging.BuildUniversal), packed lazily.
type darwinBuild struct {
	universal []byte
	digest    string    // embedcfg Layout.Digest: what records for it name
	built     time.Time // the newest build's time, for the files' dates

	payloadOnce sync.Once
	payload     *packaging.PkgPayload
	payloadErr  error

	appOnce sync.Once
	app     *packaging.MacAppBinary
	appErr  error
}

var darwinBuilds = struct {
	sync.Mutex
	key string
	b   *darwinBuild
}{}

// darwin returns the universal agent of the site's darwin builds (amd64
// first, as lipo orders them; one slice if only one is there).
func (s *Server) darwin() (*darwinBuild, error) {
	var paths []string
	var key strings.Builder
	var built time.Time
	for _, p := range []string{"darwin-amd64", "darwin-arm64"} {
		path, ok := s.agents.path(p)
		if !ok {
			continue
		}
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("agent build: %w", err)
		}
		paths = append(paths, path)
		fmt.Fprintf(&key, "%s\x00%d\x00%d\x00", path, st.Size(), st.ModTime().UnixNano())
		if st.ModTime().After(built) {
			built = st.ModTime()
		}
	}
	if len(paths) == 0 {
		return nil, wire.Errorf(wire.Unsupported, "No macOS agent build on this site.")
	}
	darwinBuilds.Lock()
	defer darwinBuilds.Unlock()
	if darwinBuilds.key == key.String() {
		return darwinBuilds.b, nil
	}
	var parts []packaging.UniversalSlice
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("agent build: %w", err)
		}
		parts = append(parts, packaging.UniversalSlice{R: bytes.NewReader(data), Size: int64(len(data))})
	}
	var buf bytes.Buffer
	if err := packaging.BuildUniversal(&buf, parts...); err != nil {
		return nil, fmt.Errorf("universal agent from %s: %w", strings.Join(paths, ", "), err)
	}
	l, err := embedcfg.Inspect(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("universal agent: %w", err)
	}
	b := &darwinBuild{universal: buf.Bytes(), digest: l.Digest, built: built}
	darwinBuilds.key, darwinBuilds.b = key.String(), b
	return b, nil
}

func (b *darwinBuild) pkgPayload() (*packaging.PkgPayload, error) {
	b.payloadOnce.Do(func() {
		b.payload, b.payloadErr = packaging.NewPkgPayload(bytes.NewReader(b.universal), int64(len(b.universal)), b.built)
	})
	return b.payload, b.payloadErr
}

func (b *darwinBuild) appBinary() (*packaging.MacAppBinary, error) {
	b.appOnce.Do(func() {
		b.app, b.appErr = packaging.NewMacAppBinary(bytes.NewReader(b.universal), int64(len(b.universal)), 0)
	})
	return b.app, b.appErr
}

// msiPath is the template MSI the site serves for platform:
// tether-<platform>.msi beside the agent builds.
func (a *agentBuilds) msiPath(platform string) (string, bool) {
	if a.dir == "" || strings.ContainsAny(platform, `/\`) {
		return "", false
	}
	p := filepath.Join(a.dir, "tether-"+platform+".msi")
	st, err := os.Stat(p)
	return p, err == nil && st.Mode().IsRegular()
}
