// Package files gives file transfers (SPEC D3, D4, G: PUT and GET
// /sessions/{id}/files) confined access to one directory tree: the agent's
// transfer folder (~/Downloads/Tether, created 0700 on first use) or a root a
// policy allows, such as / for a headless jump client.
//
// The path in a request comes from the site, that is from whoever holds the
// technician's session, and is treated as hostile. Two layers keep it inside
// the Root:
//
//   - A lexical check (validate) refuses before any file system call what
//     can only be an attack or a mistake: absolute paths, "..", NUL and other
//     control characters, backslashes, invalid UTF-8, names longer than the
//     file system allows, and on Windows drive letters, alternate data
//     streams (":"), reserved device names (CON, NUL, COM1…) and names that
//     Windows would silently trim ("a.", "a ").
//   - Every access then goes through os.Root, which resolves each path
//     component itself, relative to an open handle on the base directory,
//     and refuses symbolic links (and Windows junctions) that lead out of it,
//     without the check-then-use race of resolving a path first.
//
// Uploads never write to the target directly. Bytes go to a hidden part file
// next to it (".name.tether-part", opened without following links), so a
// dropped connection can resume where it stopped (Partial), memory stays
// bounded whatever the file size, and the target appears only when Commit has
// verified the SHA-256 of the whole file: atomically, by a hard link that
// fails when the target exists (or a rename when overwriting is asked for,
// which replaces a symbolic link rather than following it). Every refusal
// happens before the first byte is written; an upload that turns out too
// large removes its part file.
//
// Errors carry one of the package's kinds (ErrPathNotAllowed, ErrTooLarge,
// ErrNotFound, ErrExists, …); Code maps them to the stable API codes
// (path_not_allowed, file_too_large, not_found, conflict, bad_request).
package files
