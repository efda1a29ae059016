package files

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestEscapesRefused tries every way out of the root with every operation
// and checks the refusal's code and that nothing was written anywhere.
func TestEscapesRefused(t *testing.T) {
	tests := []struct {
		name    string
		path    string
		windows bool
		setup   func(t *testing.T, f *fixture)
	}{
		{name: "dotdot", path: "../outside/secret"},
		{name: "dotdot new file", path: "../evil"},
		{name: "dotdot inside", path: "docs/../hello.txt"},
		{name: "dotdot nested", path: "a/../../outside/secret"},
		{name: "absolute", path: "/etc/passwd"},
		{name: "absolute outside", path: "OUTSIDE"}, // replaced by the absolute outside path
		{name: "NUL byte", path: "hello.txt\x00.jpg"},
		{name: "newline", path: "evil\nname"},
		{name: "backslash", path: `..\outside\secret`},
		{name: "invalid UTF-8", path: "evil\xff"},
		{name: "name too long", path: strings.Repeat("x", 256)},
		{name: "path too long", path: strings.Repeat("d/", 2100) + "x"},
		{name: "symlink to outside file", path: "out-link", setup: func(t *testing.T, f *fixture) {
			f.symlink(t, filepath.Join("..", "outside", "secret"), "out-link")
		}},
		{name: "absolute symlink to outside file", path: "abs-link", setup: func(t *testing.T, f *fixture) {
			f.symlink(t, filepath.Join(f.outside, "secret"), "abs-link")
		}},
		{name: "through symlinked dir", path: "out-dir/secret", setup: func(t *testing.T, f *fixture) {
			f.symlink(t, filepath.Join("..", "outside"), "out-dir")
		}},
		{name: "new file in symlinked dir", path: "out-dir/sub/new.txt", setup: func(t *testing.T, f *fixture) {
			f.symlink(t, filepath.Join("..", "outside"), "out-dir")
		}},
		{name: "symlinked dir", path: "out-dir", setup: func(t *testing.T, f *fixture) {
			f.symlink(t, f.outside, "out-dir")
		}},
		{name: "symlink inside a subdir to outside", path: "docs/up/secret", setup: func(t *testing.T, f *fixture) {
			f.symlink(t, filepath.Join("..", "..", "outside"), "docs/up")
		}},
		{name: "symlink loop", path: "loop-a", setup: func(t *testing.T, f *fixture) {
			f.symlink(t, "loop-b", "loop-a")
			f.symlink(t, "loop-a", "loop-b")
		}},
		{name: "windows drive", path: "C:/Windows/win.ini", windows: true},
		{name: "windows drive relative", path: "C:evil", windows: true},
		{name: "windows UNC", path: `\\server\share\x`, windows: true},
		{name: "windows backslash dotdot", path: `docs\..\..\outside`, windows: true},
		{name: "windows stream", path: "hello.txt:hidden", windows: true},
		{name: "windows default stream", path: "hello.txt::$DATA", windows: true},
		{name: "windows device", path: "CON", windows: true},
		{name: "windows device extension", path: "docs/nul.txt", windows: true},
		{name: "windows trailing dot", path: "hello.txt.", windows: true},
		{name: "windows trailing space", path: "hello.txt ", windows: true},
		{name: "windows wildcard", path: "*.txt", windows: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, Options{})
			r := f.r
			if tt.windows {
				r = f.open(t, Options{}, true)
			}
			if tt.setup != nil {
				tt.setup(t, f)
			}
			p := tt.path
			if p == "OUTSIDE" {
				p = filepath.ToSlash(filepath.Join(f.outside, "secret"))
			}
			before := snapshot(t, f.base)

			ops := map[string]func() error{
				"create": func() error {
					w, err := r.Create(p, 5, 0, false)
					if err == nil {
						w.Abort()
					}
					return err
				},
				"create overwrite": func() error {
					w, err := r.Create(p, 5, 0, true)
					if err == nil {
						w.Abort()
					}
					return err
				},
				"resume": func() error {
					w, err := r.Create(p, 5, 2, true)
					if err == nil {
						w.Abort()
					}
					return err
				},
				"open": func() error {
					rd, err := r.Open(p, 0)
					if err == nil {
						rd.Close()
					}
					return err
				},
				"list":    func() error { _, err := r.List(p); return err },
				"stat":    func() error { _, err := r.Stat(p); return err },
				"partial": func() error { _, err := r.Partial(p); return err },
			}
			for op, do := range ops {
				err := do()
				if !errors.Is(err, ErrPathNotAllowed) || Code(err) != "path_not_allowed" {
					t.Errorf("%s %q: err = %v (code %q), want path_not_allowed", op, p, err, Code(err))
				}
			}
			sameTree(t, before, snapshot(t, f.base))
		})
	}
}
