package files

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
)

// Kinds of refusal. Test with errors.Is; Code gives the API code.
var (
	// ErrPathNotAllowed: the path leaves the root (.., absolute, a symbolic
	// link out of it), is malformed, or names something that is not a
	// regular file or directory (a device, a pipe) or that the agent may
	// not access.
	ErrPathNotAllowed = errors.New("path not allowed")
	// ErrTooLarge: the file is larger than the configured maximum, or an
	// upload sent more than it announced.
	ErrTooLarge = errors.New("file too large")
	// ErrNotFound: nothing at that path.
	ErrNotFound = errors.New("not found")
	// ErrExists: an upload's target exists and overwriting was not asked
	// for, or it is a directory.
	ErrExists = errors.New("file exists")
	// ErrBusy: another upload to the same path is in progress.
	ErrBusy = errors.New("upload in progress")
	// ErrBadOffset: a resume offset that does not match the bytes already
	// received (ask Partial), or a read offset past the end.
	ErrBadOffset = errors.New("offset does not match")
	// ErrIncomplete: Commit before the announced size was received.
	ErrIncomplete = errors.New("upload incomplete")
	// ErrChecksum: the uploaded bytes do not have the expected SHA-256.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrIsDir, ErrNotDir: a file operation on a directory, or a listing
	// of a file.
	ErrIsDir  = errors.New("is a directory")
	ErrNotDir = errors.New("not a directory")
)

// Code returns the stable API code for an error of this package
// (SPEC G refusals plus the generic codes), or "" for anything else, which
// the caller reports as an internal error.
func Code(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrPathNotAllowed):
		return "path_not_allowed"
	case errors.Is(err, ErrTooLarge):
		return "file_too_large"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrExists), errors.Is(err, ErrBusy):
		return "conflict"
	case errors.Is(err, ErrBadOffset), errors.Is(err, ErrIncomplete), errors.Is(err, ErrChecksum),
		errors.Is(err, ErrIsDir), errors.Is(err, ErrNotDir):
		return "bad_request"
	}
	return ""
}

// Error is what every operation returns: the operation, the path as the
// caller gave it, the kind of refusal (nil for an unexpected failure) and
// the underlying error, if any.
type Error struct {
	Op   string
	Path string
	Kind error
	Err  error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("files: %s %q", e.Op, e.Path)
	if e.Kind != nil {
		msg += ": " + e.Kind.Error()
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() []error {
	var errs []error
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

func refuse(op, path string, kind, err error) *Error {
	return &Error{Op: op, Path: path, Kind: kind, Err: err}
}

// classify turns an error from os.Root into one of the kinds. escapes is
// the error value os.Root uses for "path escapes from parent", which the
// os package does not export (see probeEscapes).
func classify(op, path string, err, escapes error) error {
	var e *Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &e):
		return err
	case escapes != nil && errors.Is(err, escapes),
		errors.Is(err, syscall.ELOOP), errors.Is(err, syscall.ENAMETOOLONG),
		errors.Is(err, fs.ErrPermission):
		return refuse(op, path, ErrPathNotAllowed, err)
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return refuse(op, path, ErrNotFound, err)
	case errors.Is(err, fs.ErrExist), errors.Is(err, syscall.EISDIR), errors.Is(err, syscall.ENOTEMPTY):
		return refuse(op, path, ErrExists, err)
	}
	return refuse(op, path, nil, err)
}
