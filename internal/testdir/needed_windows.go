package testdir

// needed: only Windows builds can meet Wine's os.RemoveAll; New takes the
// same path on real Windows, where its fallback simply never runs.
const needed = true
