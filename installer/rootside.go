package installer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// ErrUserOwned refuses root acting through files a less privileged user
// controls.
var ErrUserOwned = errors.New("root will not act through a file another user can change")

// When root installs a jump client for a --user (Linux, C3), that user owns
// the install dir and everything in it, so root must neither run nor trust
// anything there: the user could edit a script root runs at boot, or point
// install.json's list of files at /etc/shadow for root's uninstall to
// delete. Root keeps its own files where only root can write:
//
//	/etc/init.d/tether-<id>                 root's launcher (init-script installs)
//	/var/lib/tether/installs/<id>.json      root's copy of the install record
//
// and acts on the install dir only as the user (runuser), or through a tree
// (os.Root) while it creates it. <id> is InstanceID(dir), derived from the
// path, not from anything the user controls.

func (e Env) sysRoot() string {
	if e.SysRoot == "" {
		return "/"
	}
	return e.SysRoot
}

func (e Env) rootLauncherPath(id string) string {
	return filepath.Join(e.sysRoot(), "etc", "init.d", "tether-"+id)
}

func (e Env) rootRecordPath(id string) string {
	return filepath.Join(e.sysRoot(), "var", "lib", "tether", "installs", id+".json")
}

// writeRootLauncher writes root's launcher of an init-script install.
func (in *Installer) writeRootLauncher(rec *Record, d fileData) error {
	if rec.RootLauncher == "" {
		return nil
	}
	b, err := render(tmplRootLauncher, d)
	if err != nil {
		return err
	}
	return writeRootFile(rec.RootLauncher, b, 0o755)
}

// writeRootRecord keeps root's copy of rec.
func writeRootRecord(rec *Record) error {
	if rec.RootRecord == "" {
		return nil
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode install record: %w", err)
	}
	return writeRootFile(rec.RootRecord, append(b, '\n'), 0o600)
}

// writeRootFile writes a file only root may change, in a directory only
// root may change (created 0755 root-owned when missing; the record's
// directory 0700).
func writeRootFile(path string, data []byte, perm fs.FileMode) error {
	dirPerm := fs.FileMode(0o755)
	if perm&0o077 == 0 {
		dirPerm = 0o700
	}
	if err := os.MkdirAll(filepath.Dir(path), dirPerm); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := checkRootOnly(filepath.Dir(path)); err != nil {
		return err
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// removeRootFiles removes root's files of rec (listed in root's record).
func removeRootFiles(rec *Record) error {
	var errs []error
	for _, p := range []string{rec.RootLauncher, rec.RootRecord} {
		if p == "" {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkRootOnly refuses a directory (or any of its parents) that someone
// other than root could write to: root would then run or trust a file
// another user can replace.
func checkRootOnly(dir string) error {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Lstat(d)
		if err != nil {
			return fmt.Errorf("check %s: %w", d, err)
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if fi, err = os.Stat(d); err != nil {
				return fmt.Errorf("check %s: %w", d, err)
			}
		}
		if uid := ownerUID(fi); uid > 0 || (fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0) {
			return fmt.Errorf("%w: %s is writable by someone other than root", ErrInvalid, d)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// RefuseUserBinaryAsRoot refuses to go on as root in a program (exe) that a
// less privileged user could have replaced: the `tether` inside a --user's
// install dir. Root acts on such an install through root's launcher, or as
// the user (runuser). A genuine binary's refusal is what keeps an admin's
// habit (`sudo DIR/tether uninstall`) from running the user's code as root.
func RefuseUserBinaryAsRoot(exe string) error {
	if os.Geteuid() != 0 || runtime.GOOS == "windows" {
		return nil
	}
	fi, err := os.Stat(exe)
	if err != nil {
		return fmt.Errorf("check %s: %w", exe, err)
	}
	err = checkRootOnly(filepath.Dir(exe))
	if err == nil && (ownerUID(fi) != 0 || fi.Mode().Perm()&0o022 != 0) {
		err = fmt.Errorf("%s is writable by someone other than root", exe)
	}
	if err == nil {
		return nil
	}
	hint := "run it as the jump client's user"
	if l := (SystemEnv()).rootLauncherPath(InstanceID(filepath.Dir(exe))); fileExists(l) {
		hint = "as root use " + l + " start|stop|restart|status|uninstall"
	}
	return fmt.Errorf("%w: %v; %s", ErrUserOwned, err, hint)
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// trustedRecord returns the install record root may act on for dir: when
// root acts on an install that a user owns, root's own copy (never the
// user's install.json), else the one in dir.
func (in *Installer) trustedRecord(dir string) (*Record, error) {
	rec, err := ReadRecord(dir)
	if in.Env.Euid() != 0 || in.Env.GOOS == "windows" {
		return rec, err
	}
	fi, serr := os.Lstat(RecordPath(dir))
	if serr == nil && ownedByUs(fi) && err == nil {
		return rec, nil // root's own install
	}
	p := in.Env.rootRecordPath(InstanceID(dir))
	b, rerr := os.ReadFile(p)
	if errors.Is(rerr, fs.ErrNotExist) {
		owner := "another user"
		if err == nil && rec.User != "" {
			owner = rec.User
		}
		return nil, fmt.Errorf("%w: the jump client in %s belongs to %s and root has no record of installing it; run this as %s",
			ErrUserOwned, dir, owner, owner)
	}
	if rerr != nil {
		return nil, fmt.Errorf("read %s: %w", p, rerr)
	}
	var root Record
	if err := json.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("parse %s: %w", p, err)
	}
	if filepath.Clean(root.Dir) != filepath.Clean(dir) {
		return nil, fmt.Errorf("%w: %s records install dir %s", ErrInvalid, p, root.Dir)
	}
	return &root, nil
}

// asUser runs argv as rec.User (root acting on a user's install: the
// program and everything it touches is the user's, so it runs with the
// user's rights, never root's).
func (in *Installer) asUser(ctx context.Context, rec *Record, argv ...string) ([]byte, error) {
	if in.Env.Euid() != 0 || rec.User == "" || in.Env.GOOS == "windows" {
		return in.Env.Run(ctx, argv[0], argv[1:]...)
	}
	if u, err := in.Env.LookupUser(rec.User); err != nil || u.Uid == "0" {
		return nil, fmt.Errorf("%w: will not act as %q for a jump client", ErrInvalid, rec.User)
	}
	lookPath := in.Env.LookPath
	if lookPath == nil {
		lookPath = exec.LookPath
	}
	if _, err := lookPath("runuser"); err == nil {
		return in.Env.Run(ctx, "runuser", append([]string{"-u", rec.User, "--"}, argv...)...)
	}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
	}
	return in.Env.Run(ctx, "su", "-s", "/bin/sh", rec.User, "-c", strings.Join(quoted, " "))
}
