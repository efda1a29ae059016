package files

import "golang.org/x/sys/windows"

// knownDownloads is the current user's Downloads folder, wherever the user
// or a policy moved it.
func knownDownloads() (string, bool) {
	d, err := windows.KnownFolderPath(windows.FOLDERID_Downloads, 0)
	return d, err == nil && d != ""
}
