package recording

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Scratch is a temporary file in the recordings directory for a download
// being put together (parts fetched from other nodes, their merge):
// recordings are large, so not in memory, and not in a /tmp that may be
// small. Its name is removed at once where the system allows it, so that
// a site that dies leaves nothing behind; Close removes it otherwise.
type Scratch struct {
	*os.File
	named bool
}

// Scratch creates a temporary file; Close it.
func (m *Manager) Scratch() (*Scratch, error) {
	f, err := os.CreateTemp(m.o.Dir, ".scratch-*")
	if err != nil {
		return nil, fmt.Errorf("recording: %w", err)
	}
	return &Scratch{File: f, named: os.Remove(f.Name()) != nil}, nil
}

// Close closes and removes the file.
func (s *Scratch) Close() error {
	err := s.File.Close()
	if s.named {
		if rerr := os.Remove(s.Name()); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
			err = rerr
		}
	}
	return err
}

// removeScratch removes what a site that died left of its scratch files
// where their names could not be removed at once (Windows); no download
// runs yet when a Manager starts.
func removeScratch(dir string) {
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".scratch-*"))
	for _, f := range leftovers {
		os.Remove(f)
	}
}
