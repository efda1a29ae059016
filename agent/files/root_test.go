package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tetherhq/tether/internal/testdir"
)

func TestOpenRootCreates(t *testing.T) {
	dir := filepath.Join(testdir.New(t), "home", "Downloads", "Tether")
	if _, err := OpenRoot(dir, Options{}); err == nil {
		t.Fatal("OpenRoot of a missing dir without Create succeeded")
	}
	r, err := OpenRoot(dir, Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		t.Fatal(fi, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
		t.Errorf("transfer folder mode %v, want 0700", fi.Mode().Perm())
	}
	if r.Dir() != dir {
		t.Errorf("Dir() = %q", r.Dir())
	}
	if r.escapes == nil {
		t.Error("could not learn os.Root's escape error")
	}
}

func TestDefaultDir(t *testing.T) {
	tests := []struct {
		name, userDirs, want string
	}{
		{"no user-dirs", "", "Downloads"},
		{"xdg home relative", `XDG_DOWNLOAD_DIR="$HOME/Téléchargements"`, "Téléchargements"},
		{"xdg absolute inside home", `XDG_DOWNLOAD_DIR="HOME/dl"`, "dl"},
		{"xdg outside home", `XDG_DOWNLOAD_DIR="/etc/cron.d"`, "Downloads"},
		{"xdg escaping home", `XDG_DOWNLOAD_DIR="$HOME/../../etc"`, "Downloads"},
		{"xdg is home", `XDG_DOWNLOAD_DIR="$HOME/"`, "Downloads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := testdir.New(t)
			if tt.userDirs != "" {
				mkdir(t, filepath.Join(home, ".config"))
				content := fmt.Sprintf("# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\n%s\n",
					replaceHome(tt.userDirs, home))
				write(t, filepath.Join(home, ".config", "user-dirs.dirs"), content)
			}
			got, err := DefaultDir(home)
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(home, tt.want, "Tether"); got != want {
				t.Errorf("DefaultDir = %q, want %q", got, want)
			}
		})
	}
}

// replaceHome turns the literal HOME/ in a test line into the real home.
func replaceHome(s, home string) string {
	const marker = `"HOME/`
	for i := 0; i+len(marker) <= len(s); i++ {
		if s[i:i+len(marker)] == marker {
			return s[:i+1] + filepath.ToSlash(home) + "/" + s[i+len(marker):]
		}
	}
	return s
}

func TestCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("disk on fire"), ""},
		{refuse("open", "x", ErrPathNotAllowed, nil), "path_not_allowed"},
		{refuse("create", "x", ErrTooLarge, nil), "file_too_large"},
		{refuse("open", "x", ErrNotFound, fs.ErrNotExist), "not_found"},
		{refuse("create", "x", ErrExists, nil), "conflict"},
		{refuse("create", "x", ErrBusy, nil), "conflict"},
		{refuse("create", "x", ErrBadOffset, nil), "bad_request"},
		{refuse("commit", "x", ErrChecksum, nil), "bad_request"},
		{fmt.Errorf("upload: %w", refuse("commit", "x", ErrIncomplete, nil)), "bad_request"},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("Code(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	err := refuse("open", "../x", ErrPathNotAllowed, errAbsolute)
	if !errors.Is(err, errAbsolute) || err.Error() != `files: open "../x": path not allowed: absolute path` {
		t.Errorf("error %q does not carry its cause", err)
	}
}
