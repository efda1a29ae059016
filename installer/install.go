package installer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kardianos/service"

	"github.com/tetherhq/tether/embedcfg"
)

// RecordVersion is the install.json format written by this build.
const RecordVersion = 1

// Record is DIR/state/install.json: what the installed agent needs to
// register itself with the site on first start (the jc flags, key info)
// and what Uninstall needs to undo the install.
type Record struct {
	Version     int       `json:"v"`
	ID          string    `json:"id"` // InstanceID(Dir)
	Dir         string    `json:"install_dir"`
	Binary      string    `json:"binary"` // file name inside Dir
	Mode        Mode      `json:"mode"`
	Launcher    Launcher  `json:"launcher"`
	User        string    `json:"user,omitempty"` // account the agent runs as
	JumpGroup   string    `json:"jump_group,omitempty"`
	Tag         string    `json:"tag,omitempty"`
	Comments    string    `json:"comments,omitempty"`
	Name        string    `json:"name,omitempty"`
	KeyInfo     string    `json:"key_info,omitempty"`
	SiteURL     string    `json:"site_url,omitempty"`
	InstallerID string    `json:"installer_id,omitempty"`
	ExpiresAt   time.Time `json:"expires_at,omitzero"`
	InstalledAt time.Time `json:"installed_at"`
	// StateDirPath is set when --state-dir moved the state out of DIR.
	StateDirPath string `json:"state_dir,omitempty"`
	// ServiceName is the service, unit or autostart name (tether-<id>).
	ServiceName string `json:"service_name"`
	// Files outside Dir created by the install; Uninstall removes them.
	Files []string `json:"files,omitempty"`
	// RootRecord and RootLauncher are root's own files of an install root
	// made for a --user (Linux): root's copy of this record, which root
	// trusts instead of the one in Dir, and the init-script launcher root
	// runs (boot scripts) instead of anything in Dir.
	RootRecord   string `json:"root_record,omitempty"`
	RootLauncher string `json:"root_launcher,omitempty"`
}

// StateDir is where the installed agent keeps its identity and state.
// It is DIR/state unless --state-dir chose another (StateDirPath).
func (r *Record) StateDir() string {
	if r.StateDirPath != "" {
		return r.StateDirPath
	}
	return filepath.Join(r.Dir, "state")
}

// BinaryPath is the installed agent.
func (r *Record) BinaryPath() string { return filepath.Join(r.Dir, r.Binary) }

// RecordPath is the install.json of the installation in dir.
func RecordPath(dir string) string { return filepath.Join(dir, "state", "install.json") }

// ReadRecord reads the install.json of the installation in dir.
func ReadRecord(dir string) (*Record, error) {
	b, err := os.ReadFile(RecordPath(dir))
	if err != nil {
		return nil, fmt.Errorf("read install record: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("parse %s: %w", RecordPath(dir), err)
	}
	return &r, nil
}

// Result describes a finished install.
type Result struct {
	Record
	Started  bool     // the jump client was started
	Next     string   // what the admin does next (printed unless --silent)
	Warnings []string // non-fatal problems (e.g. could not start it now)
}

// Installer installs and uninstalls jump clients in an Env.
type Installer struct {
	Env Env
	Log *slog.Logger // nil: slog.Default()
	// service builds the kardianos service of rec; nil: the real one.
	// Tests replace it to drive Control without a service manager.
	service func(rec *Record) (service.Service, error)
}

// Install installs with the real OS (see Installer.Install).
func Install(ctx context.Context, opts Options, self string) (*Result, error) {
	return (&Installer{Env: SystemEnv()}).Install(ctx, opts, self)
}

// Uninstall removes the installation in dir with the real OS.
func Uninstall(ctx context.Context, dir string) error {
	return (&Installer{Env: SystemEnv()}).Uninstall(ctx, dir)
}

func (in *Installer) log() *slog.Logger {
	if in.Log != nil {
		return in.Log
	}
	return slog.Default()
}

// BinaryName is the agent's file name on goos.
func BinaryName(goos string) string {
	if goos == "windows" {
		return "tether.exe"
	}
	return "tether"
}

// Install validates opts, copies self (the running agent binary, with its
// embedded config) into a new install dir, writes install.json and
// registers the launcher. On failure everything created is removed again,
// so a failed install can simply be retried with the same --install-dir.
//
// Root installing for a --user writes the install dir through a tree (an
// *os.Root: nothing the user swaps in meanwhile redirects a write) and
// keeps what root will run later — the init-script launcher, its own copy
// of the install record — outside anything that user can change.
func (in *Installer) Install(ctx context.Context, opts Options, self string) (res *Result, err error) {
	p, err := newPlan(opts, in.Env)
	if err != nil {
		return nil, err
	}
	rec := p.record(in.Env)
	log := in.log().With("dir", p.dir, "launcher", p.launcher, "user", rec.User)
	log.Info("installing jump client")
	uid, gid := p.owner()
	t, err := createTree(p.dir, uid, gid)
	if err != nil {
		return nil, err
	}
	defer t.close()
	defer func() {
		if err != nil {
			log.Warn("install failed; rolling back", "err", err)
			in.rollback(ctx, rec)
		}
	}()
	if err := t.mkdir("state", 0o700); err != nil { // install.json lives here whatever --state-dir says
		return nil, err
	}
	if err := in.makeStateDir(p, rec); err != nil {
		return nil, err
	}
	if rec.Launcher == LauncherService && in.Env.GOOS == "windows" {
		// Before the agent is copied in, so that it inherits the ACL.
		if err := secureServiceDirs(p.dir, rec.StateDir()); err != nil {
			return nil, err
		}
	}
	if err := copyBinary(t, self, rec.Binary, opts.Record); err != nil {
		return nil, err
	}
	// Written before registering so a crash mid-way leaves a dir that
	// Uninstall (and the uninstall script) recognise.
	if err := writeRecord(t, rec); err != nil {
		return nil, err
	}
	if err := in.register(ctx, p, rec, t); err != nil {
		return nil, err
	}
	if err := writeRecord(t, rec); err != nil {
		return nil, err
	}
	if err := writeRootRecord(rec); err != nil {
		return nil, err
	}
	// The directory itself goes to the user last.
	if err := t.own(".", 0o755); err != nil {
		return nil, err
	}
	res = &Result{Record: *rec}
	in.start(ctx, p, res)
	log.Info("installed jump client", "started", res.Started)
	return res, nil
}

func (p *plan) record(env Env) *Record {
	r := &Record{
		Version:     RecordVersion,
		ID:          p.id,
		Dir:         p.dir,
		Binary:      BinaryName(env.GOOS),
		Mode:        p.opts.Mode,
		Launcher:    p.launcher,
		JumpGroup:   p.opts.JumpGroup,
		Tag:         p.opts.Tag,
		Comments:    p.opts.Comments,
		Name:        p.opts.Name,
		KeyInfo:     p.opts.KeyInfo,
		SiteURL:     p.opts.SiteURL,
		InstallerID: p.opts.InstallerID,
		ExpiresAt:   p.opts.ExpiresAt,
		InstalledAt: env.Now().UTC().Truncate(time.Second),
		ServiceName: "tether-" + p.id,
	}
	if p.opts.StateDir != "" {
		r.StateDirPath = filepath.Clean(p.opts.StateDir)
	}
	if p.runAs != nil {
		r.User = p.runAs.Username
	}
	if p.chown && env.GOOS == "linux" {
		r.RootRecord = env.rootRecordPath(p.id)
		if p.launcher == LauncherInitScript {
			r.RootLauncher = env.rootLauncherPath(p.id)
		}
	}
	return r
}

// owner is the account new files go to: the --user when root installs for
// it (C3: the user must own the directory), else nobody changes (-1).
func (p *plan) owner() (uid, gid int) {
	if !p.chown {
		return -1, -1
	}
	return p.uid, p.gid
}

// makeStateDir creates a --state-dir outside DIR for the agent's identity
// and state (inside DIR it is DIR/state, made with the tree).
func (in *Installer) makeStateDir(p *plan, rec *Record) error {
	if rec.StateDirPath == "" || rec.StateDirPath == filepath.Join(rec.Dir, "state") {
		return nil
	}
	parent := filepath.Dir(rec.StateDirPath)
	uid, gid := p.owner()
	t, err := openTree(parent, uid, gid)
	if err != nil {
		return fmt.Errorf("--state-dir: %w", err)
	}
	defer t.close()
	name := filepath.Base(rec.StateDirPath)
	if t.exists(name) {
		return nil // an existing state dir: its identity is kept
	}
	if err := t.mkdir(name, 0o700); err != nil {
		return fmt.Errorf("--state-dir: %w", err)
	}
	rec.Files = append(rec.Files, rec.StateDirPath)
	return nil
}

func writeRecord(t *tree, rec *Record) error {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode install record: %w", err)
	}
	return t.writeFile(filepath.Join("state", "install.json"), append(b, '\n'), 0o600)
}

// copyBinary streams self into the tree as name (the binary is ~15 MB; no
// need to hold it in memory) and syncs it, since a truncated agent after a
// power cut would be an unreachable jump client. With a record, the copy
// gets the record in its slot instead (embedcfg.Restamp), and must then
// carry a config that holds over the whole file.
func copyBinary(t *tree, self, name string, record []byte) error {
	if record != nil {
		data, err := os.ReadFile(self)
		if err != nil {
			return fmt.Errorf("read agent binary: %w", err)
		}
		if data, err = embedcfg.Restamp(data, record); err != nil {
			return fmt.Errorf("stamp the installer's config into the agent: %w", err)
		}
		if _, _, err := embedcfg.Parse(data); err != nil {
			return fmt.Errorf("the installer's config does not belong to this agent: %w", err)
		}
		if err := t.create(name, 0o755, func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
			return fmt.Errorf("copy agent binary: %w", err)
		}
		return nil
	}
	src, err := os.Open(self)
	if err != nil {
		return fmt.Errorf("open agent binary: %w", err)
	}
	defer src.Close()
	if err := t.create(name, 0o755, func(w io.Writer) error { _, err := io.Copy(w, src); return err }); err != nil {
		return fmt.Errorf("copy agent binary: %w", err)
	}
	return nil
}

// rollback undoes a failed install as far as it got.
func (in *Installer) rollback(ctx context.Context, rec *Record) {
	if err := in.unregister(ctx, rec); err != nil {
		in.log().Warn("rollback: unregister", "err", err)
	}
	for _, f := range rec.Files {
		os.Remove(f)
	}
	if err := removeRootFiles(rec); err != nil {
		in.log().Warn("rollback: remove root's files", "err", err)
	}
	if err := removeAll(rec.Dir); err != nil {
		in.log().Warn("rollback: remove install dir", "err", err)
	}
}

// Uninstall stops and unregisters the jump client installed in dir and
// removes its files. It refuses a dir without a matching install.json so a
// wrong argument cannot delete an unrelated directory.
func (in *Installer) Uninstall(ctx context.Context, dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("uninstall: %w", err)
	}
	if _, err := os.Stat(RecordPath(dir)); err != nil {
		return fmt.Errorf("%s is not a Tether jump client: %w", dir, err)
	}
	rec, err := in.trustedRecord(dir)
	if err != nil {
		return fmt.Errorf("%s is not a Tether jump client: %w", dir, err)
	}
	if filepath.Clean(rec.Dir) != dir {
		return fmt.Errorf("%w: %s records install dir %s", ErrInvalid, RecordPath(dir), rec.Dir)
	}
	in.log().Info("uninstalling jump client", "dir", dir, "launcher", rec.Launcher)
	var errs []error
	if err := in.unregister(ctx, rec); err != nil {
		errs = append(errs, err)
	}
	for _, f := range rec.Files {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := removeRootFiles(rec); err != nil {
		errs = append(errs, err)
	}
	if err := removeAll(dir); err != nil {
		// On Windows the running agent cannot delete its own exe.
		if lerr := removeLater(dir); lerr != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", dir, err))
		}
	}
	return errors.Join(errs...)
}
