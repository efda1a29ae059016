package installer

// serviceUserSupported: on Linux a service runs as --user (SPEC C1).
const serviceUserSupported = true
