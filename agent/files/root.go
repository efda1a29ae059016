package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"sync"
)

// DefaultMaxEntries is the listing cap when Options.MaxEntries is 0.
const DefaultMaxEntries = 10_000

// Options configure a Root.
type Options struct {
	// MaxSize is the largest file that may be uploaded or downloaded, in
	// bytes; 0 means no limit.
	MaxSize int64
	// MaxEntries caps a listing (DefaultMaxEntries when 0).
	MaxEntries int
	// Create makes the directory (mode 0700, parents as needed) when it
	// does not exist: the transfer folder on first use.
	Create bool
}

// Root is one directory tree that transfers may touch. It is safe for
// concurrent use; Close it after the transfers using it have ended.
type Root struct {
	root    *os.Root
	opts    Options
	windows bool  // apply the Windows path rules
	escapes error // os.Root's "path escapes from parent"

	mu        sync.Mutex
	uploading map[string]bool // cleaned target paths with an open Writer
}

// OpenRoot opens dir as the root of transfers. dir itself is trusted (it
// comes from the agent's configuration, not from a request).
func OpenRoot(dir string, opts Options) (*Root, error) {
	return openRoot(dir, opts, runtime.GOOS == "windows")
}

func openRoot(dir string, opts Options, windows bool) (*Root, error) {
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultMaxEntries
	}
	if opts.Create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("files: transfer folder: %w", err)
		}
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	return &Root{root: r, opts: opts, windows: windows, escapes: probeEscapes(r),
		uploading: map[string]bool{}}, nil
}

// probeEscapes returns the error os.Root gives for a path that leaves it,
// by asking for one: the os package does not export that value, and
// matching its text would break silently if it changed.
func probeEscapes(r *os.Root) error {
	_, err := r.Lstat("/")
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return nil
}

// Dir is the directory the Root was opened on.
func (r *Root) Dir() string { return r.root.Name() }

// Close releases the directory handle.
func (r *Root) Close() error { return r.root.Close() }

// clean validates a requested path; see validate.
func (r *Root) clean(op, p string) (string, error) {
	c, err := validate(p, r.windows)
	if err != nil {
		return "", refuse(op, p, ErrPathNotAllowed, err)
	}
	return c, nil
}

// claim marks an upload to p as in progress; release ends it.
func (r *Root) claim(p string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.uploading[p] {
		return false
	}
	r.uploading[p] = true
	return true
}

func (r *Root) release(p string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.uploading, p)
}
