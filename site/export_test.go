package site

// SetAccessPasswordHash replaces the access-password hash of new sessions
// until restore runs: BenchmarkSessionCreate measures the site without the
// argon2id cost, to show what the hash costs and what the rest does.
func SetAccessPasswordHash(f func(string) string) (restore func()) {
	old := hashAccessPassword
	hashAccessPassword = f
	return func() { hashAccessPassword = old }
}

// SetAfterFirstMessage runs f after each stream's first message reached
// its viewer, until restore runs.
func SetAfterFirstMessage(f func()) (restore func()) {
	old := afterFirstMessage
	afterFirstMessage = f
	return func() { afterFirstMessage = old }
}
