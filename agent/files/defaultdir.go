package files

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir is the transfer folder for the user whose home is home (the
// agent's own user when home is ""): Tether inside the user's Downloads
// folder. On Linux the Downloads folder comes from XDG user-dirs when set
// (it is localised, e.g. ~/Téléchargements); on Windows from the Downloads
// known folder when home is "". The folder is not created here; see
// Options.Create.
func DefaultDir(home string) (string, error) {
	if home == "" {
		if d, ok := knownDownloads(); ok {
			return filepath.Join(d, "Tether"), nil
		}
		h, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		home = h
	}
	return filepath.Join(downloadsIn(home), "Tether"), nil
}

// downloadsIn reads XDG_DOWNLOAD_DIR from home's user-dirs.dirs, which
// holds either "$HOME/…" or an absolute path. Only a folder inside home is
// taken: an agent running as root for this user must not be pointed at a
// system directory by the user's own file. Anything else, or no file
// (macOS, Windows, servers), means home/Downloads.
func downloadsIn(home string) string {
	def := filepath.Join(home, "Downloads")
	f, err := os.Open(filepath.Join(home, ".config", "user-dirs.dirs"))
	if err != nil {
		return def
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "XDG_DOWNLOAD_DIR=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		if rest, ok := strings.CutPrefix(v, "$HOME/"); ok {
			v = filepath.Join(home, filepath.FromSlash(rest))
		}
		if rel, err := filepath.Rel(home, v); err == nil && rel != "." && filepath.IsLocal(rel) {
			return filepath.Join(home, rel)
		}
	}
	return def
}
