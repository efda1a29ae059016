// Package shell runs an interactive command shell on a pseudo-terminal, for
// the browser terminal of headless hosts (SPEC D4): on Unix through a pty
// (github.com/creack/pty), on Windows through a pseudo console (ConPTY). The
// caller copies Session's bytes to and from the technician's xterm.js and
// forwards window size changes to Resize.
//
// Security reasoning:
//
//   - A shell is full control of the account it runs as, so Start refuses
//     to run one as root (or, on Windows, elevated) unless the caller says
//     so with Options.AllowRoot: a jump client installed as root for a
//     configured user (SPEC C1, C3 --user) gives the technician that user's
//     shell through Options.RunAs, with the user's uid, gid and supplementary
//     groups, home and login shell, and a fresh environment, so nothing of
//     the agent's own environment leaks into it.
//   - The session owns everything it started: the shell is a session leader
//     on its own terminal, and Close (or the end of ctx) hangs up and then
//     kills every process of that terminal session, including jobs the
//     shell put in other process groups, so nothing outlives the
//     technician's connection unless it deliberately left the session
//     (setsid, nohup with a new session). On Windows a job object kills
//     the whole process tree.
//   - The package does not log or inspect what is typed or shown.
package shell
