//go:build !darwin

package macapp

// originalPath: only macOS translocates apps.
func originalPath(path string) (string, error) { return path, nil }
