//go:build !linux

package installer

// serviceUserSupported: elsewhere UserName would mean a service account.
const serviceUserSupported = false
