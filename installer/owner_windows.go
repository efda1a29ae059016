package installer

import "io/fs"

// ownedByUs: Windows has no uid; the install dir's ACL is set on its own
// (see the service install).
func ownedByUs(fs.FileInfo) bool { return true }

func ownerUID(fs.FileInfo) int { return -1 }
