// Package macapp is where the macOS agent finds the signed per-download
// configuration (embedcfg record) that Linux and Windows agents carry
// appended to their binary. The site writes it (packaging.BuildMacApp,
// packaging.BuildPkg) and the agent reads it (ReadConfig); this package is
// small and dependency-free so both can use it.
//
// # Why the config is a file next to the app, not inside it
//
// A macOS download must keep Apple's code signature intact, or Gatekeeper
// refuses it ("damaged") — and the signature must be the one notarized
// once per release, since notarizing takes minutes and cannot happen per
// download. What that rules out:
//
//   - Appending to the Mach-O: the Go linker ad-hoc signs darwin/arm64
//     binaries and the kernel refuses to run one whose signature does not
//     match; bytes after the signature break it (NOTES).
//   - A file in Contents/ (Resources, Info.plist): the bundle's sealed
//     resources cover every file there; adding or changing one breaks the
//     seal. Re-signing per download would need the Developer ID key on
//     the site and a new notarization.
//   - An extended attribute: a zip only carries xattrs as AppleDouble
//     "__MACOSX/._*" entries, which Archive Utility restores but unzip,
//     third-party tools and many transfers drop.
//   - The zip comment: the running app cannot know which zip it came from.
//   - The app's file name: survives everything, but ~700 bytes of signed
//     JSON do not fit in 255, and people rename downloads.
//
// What works: the zip holds a folder with the unchanged app and a hidden
// sibling file, ConfigFileName. Archive Utility (and Safari's auto-unzip)
// extract both side by side; Gatekeeper assesses only the app, whose
// bytes are exactly the notarized ones. One catch: a quarantined app
// launched where it was unpacked runs "translocated" from a random
// read-only path (App Translocation, macOS 10.12+) where its siblings are
// invisible, by design. The agent therefore asks Security.framework for
// the original path (SecTranslocateCreateOriginalPathForURL, the call
// Sparkle and Electron use for the same purpose) and looks there. Moving
// only the .app elsewhere loses the config; the agent says so
// (ErrNotFound's message) and the customer downloads again.
//
// The .pkg uses the same file name: its postinstall puts the config next
// to the staged binary, and next to the installed jump client, where
// ReadConfig finds it as "next to the executable".
package macapp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/tetherhq/tether/embedcfg"
)

// ConfigFileName is the signed config beside the executable or the app
// bundle. Hidden, so the customer sees just the app in its folder.
const ConfigFileName = ".tether-config"

// maxConfigSize bounds what ReadConfig reads: a record is under 70 KB.
const maxConfigSize = 1 << 20

// ErrNotFound means no config file exists where ReadConfig looks.
var ErrNotFound = errors.New("the Tether configuration file (" + ConfigFileName + ") is missing next to the app; " +
	"keep the app in the folder it was downloaded in, or download it again")

// BundlePath returns the .app bundle that contains the executable exe
// (…/Name.app/Contents/MacOS/exe), or "" when exe is not in a bundle.
func BundlePath(exe string) string {
	macos := filepath.Dir(exe)
	contents := filepath.Dir(macos)
	app := filepath.Dir(contents)
	if filepath.Base(macos) != "MacOS" || filepath.Base(contents) != "Contents" ||
		!strings.HasSuffix(app, ".app") || len(filepath.Base(app)) <= len(".app") {
		return ""
	}
	return app
}

// Locator maps the path of a translocated app bundle to where the user
// unpacked it. It returns path itself when the bundle is not translocated.
type Locator func(path string) (string, error)

// ConfigPaths lists where the config of the agent at exe may be, best
// first: next to the executable (the .pkg's staging dir, an installed
// jump client), then next to the app bundle at its original location.
func ConfigPaths(exe string, original Locator) []string {
	paths := []string{filepath.Join(filepath.Dir(exe), ConfigFileName)}
	app := BundlePath(exe)
	if app == "" {
		return paths
	}
	if original != nil {
		if o, err := original(app); err == nil && o != "" {
			app = o
		}
	}
	return append(paths, filepath.Join(filepath.Dir(app), ConfigFileName))
}

// ReadConfig finds, reads and verifies the config of the agent at exe
// (normally os.Executable()). It returns the config, the raw signed
// record (what the agent sends to the site), and the file it came from.
// Errors wrap ErrNotFound or embedcfg.ErrTampered.
//
// The record beside the app is signed like one inside a binary: its
// Config.BinarySHA256 names the program it was issued for, here the
// executable itself (the universal agent, which carries no record), so a
// config cannot be moved to another program.
func ReadConfig(exe string) (*embedcfg.Config, []byte, string, error) {
	return readConfig(exe, ConfigPaths(exe, originalPath))
}

func readConfig(exe string, paths []string) (*embedcfg.Config, []byte, string, error) {
	for _, p := range paths {
		data, err := readSmall(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, p, err
		}
		cfg, rec, err := embedcfg.ParseRecord(data)
		if err == nil {
			err = checkProgram(cfg, exe)
		}
		if err != nil {
			return nil, nil, p, fmt.Errorf("%s: %w", p, err)
		}
		return cfg, rec, p, nil
	}
	return nil, nil, "", fmt.Errorf("%w (looked in %s)", ErrNotFound, strings.Join(paths, ", "))
}

// checkProgram verifies that cfg was issued for the executable at exe.
func checkProgram(cfg *embedcfg.Config, exe string) error {
	data, err := os.ReadFile(exe)
	if err != nil {
		return fmt.Errorf("read %s: %w", exe, err)
	}
	l, err := embedcfg.Inspect(data)
	if err != nil {
		return fmt.Errorf("%w: %w", embedcfg.ErrTampered, err)
	}
	if cfg.BinarySHA256 != l.Digest {
		return fmt.Errorf("%w: the config was issued for another program than %s", embedcfg.ErrTampered, exe)
	}
	return nil
}

func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !st.Mode().IsRegular() || st.Size() > maxConfigSize {
		return nil, fmt.Errorf("read %s: %w: not a regular file under %d bytes", path, embedcfg.ErrTampered, maxConfigSize)
	}
	b := make([]byte, st.Size())
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}
