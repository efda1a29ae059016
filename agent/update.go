package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/wire"
)

// Self-update of a jump client (C12). The site offers a build when the
// client checks in with another version; the client trusts it only when the
// site key from its own signed config signed version, platform and SHA-256
// of the build, and the bytes it downloads hash to exactly that. It then
// appends its own installer config (so the new binary is the same jump
// client), checks that the new binary runs and reports the offered version,
// puts it in place of the running executable and restarts into it.

const (
	// maxUpdateSize bounds a download so a confused site cannot fill the
	// disk; agent builds are tens of megabytes.
	maxUpdateSize = 512 << 20
	// updateDownloadTimeout allows a slow link to fetch a whole build; the
	// control connection's HTTP timeout is far shorter.
	updateDownloadTimeout = 30 * time.Minute
	// updateRetry is how long a client whose update failed keeps running
	// the old version before it drops the connection to check in again
	// (and get a fresh offer): once per connection, never in a tight loop.
	updateRetry = time.Hour
	// probeTimeout bounds `<new build> version`.
	probeTimeout = 30 * time.Second
	// updateExitStatus asks the service manager to start the new build
	// where the process cannot replace itself (Windows, or a failed exec).
	updateExitStatus = 75
)

var (
	errUpdateSignature = errors.New("update: the site's signature does not hold for this build")
	errUpdateHash      = errors.New("update: the downloaded build does not match the signed hash")
)

// updater applies one update offer to the executable exe.
type updater struct {
	exe      string // the running executable, replaced in place
	rec      []byte // our signed installer config, appended to the build
	siteURL  string
	pin      string
	siteKey  ed25519.PublicKey
	platform string // os-arch the signature must name
	log      *slog.Logger
	// probe runs the new build and returns the version it reports.
	probe func(ctx context.Context, path string) (string, error)
	// restart replaces the process with exe; it returns only on failure.
	restart func(exe string) error
}

func (j *jumpClient) updater() *updater {
	return &updater{exe: j.o.Executable, rec: j.rec, siteURL: j.cfg.SiteURL, pin: j.cfg.CertPin,
		siteKey: j.cfg.SiteKey, platform: runtime.GOOS + "-" + runtime.GOARCH, log: j.log,
		probe: probeVersion, restart: restartSelf}
}

// updating holds the jump clients with an update attempt running; the
// entry stays until the connection that brought the offer ends, so each
// connection tries at most once.
var updating sync.Map // *jumpClient → struct{}

// startUpdate handles an update offer on connection c without blocking its
// read loop (the heartbeat needs the reads going during a long download).
func (j *jumpClient) startUpdate(ctx context.Context, c *ctrl, m *wire.Update) {
	if _, busy := updating.LoadOrStore(j, struct{}{}); busy {
		j.log.Info("update: already tried on this connection; ignoring the offer", "version", m.Version)
		return
	}
	go func() {
		defer updating.Delete(j)
		j.log.Info("update offered", "from", Version, "to", m.Version)
		err := j.updater().apply(ctx, m)
		if err == nil || ctx.Err() != nil { // nil: restarted (only a test's stub returns)
			return
		}
		j.log.Error("update failed; keeping this version", "version", Version, "offered", m.Version, "err", err)
		t := time.NewTimer(updateRetry)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
			c.conn.Close(websocket.StatusGoingAway, "check in again to retry the update")
		}
	}()
}

// apply verifies the offer, downloads and checks the build, puts it in
// place of the running executable and restarts into it. It returns only
// when the update did not happen; the executable is then untouched.
func (u *updater) apply(ctx context.Context, m *wire.Update) error {
	if err := u.verify(m); err != nil {
		return err
	}
	tmp, err := u.fetch(ctx, m)
	if err != nil {
		return err
	}
	defer os.Remove(tmp) // nothing left there once it is in place
	// A build that does not run here, or is not the version it was signed
	// as, would make the service fail or update again at every check-in.
	got, err := u.probe(ctx, tmp)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if got != m.Version {
		return fmt.Errorf("update: the new build reports version %q, not %q", got, m.Version)
	}
	if err := replaceExecutable(tmp, u.exe); err != nil {
		return fmt.Errorf("update: replace %s: %w", u.exe, err)
	}
	u.log.Info("update installed; restarting", "from", Version, "to", m.Version, "exe", u.exe)
	return u.restart(u.exe)
}

// verify checks the offer before anything is downloaded.
func (u *updater) verify(m *wire.Update) error {
	switch {
	case !validVersion(m.Version):
		return fmt.Errorf("update: bad version %q", m.Version)
	case len(m.SHA256) != sha256.Size:
		return errors.New("update: no SHA-256 in the offer")
	case m.Size <= 0 || m.Size > maxUpdateSize:
		return fmt.Errorf("update: size %d outside 1..%d bytes", m.Size, maxUpdateSize)
	case !strings.HasPrefix(m.URL, "/") || strings.HasPrefix(m.URL, "//"):
		// Only a path on our own (pinned) site, never another host.
		return fmt.Errorf("update: URL %q is not a path on the site", m.URL)
	case len(u.siteKey) != ed25519.PublicKeySize ||
		!ed25519.Verify(u.siteKey, wire.UpdateMessage(m.Version, u.platform, m.SHA256), m.Sig):
		return errUpdateSignature
	}
	return nil
}

// validVersion keeps versions to what `git describe` produces, so one
// cannot smuggle separators into the signed message or the logs.
func validVersion(v string) bool {
	if v == "" || len(v) > 64 {
		return false
	}
	for _, r := range v {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune(".-_+~", r)) {
			return false
		}
	}
	return true
}

// fetch downloads the build over the pinned connection into a file next to
// the executable (same file system, so the final rename is atomic), checks
// its size and hash, appends our config and syncs it. It returns the path.
func (u *updater) fetch(ctx context.Context, m *wire.Update) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(u.siteURL, "/")+m.URL, nil)
	if err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	hc := HTTPClient(u.pin)
	hc.Timeout = updateDownloadTimeout
	res, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("update: download: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		if we := decodeErrorBody(b); we != nil {
			return "", fmt.Errorf("update: download: %w", we)
		}
		return "", fmt.Errorf("update: download: site answered %s", res.Status)
	}
	if res.ContentLength >= 0 && res.ContentLength != m.Size {
		return "", fmt.Errorf("update: download of %d bytes, offer says %d: %w", res.ContentLength, m.Size, errUpdateHash)
	}
	ext := filepath.Ext(u.exe) // Windows runs only *.exe
	f, err := os.CreateTemp(filepath.Dir(u.exe), "."+strings.TrimSuffix(filepath.Base(u.exe), ext)+".update-*"+ext)
	if err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	if err := u.writeBuild(f, res.Body, m); err != nil {
		f.Close()
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// writeBuild reads at most m.Size+1 bytes (so an overlong answer is
// noticed), checks them, stamps the re-issued config into the build and
// writes it to f, which it closes.
func (u *updater) writeBuild(f *os.File, body io.Reader, m *wire.Update) error {
	build, err := io.ReadAll(io.LimitReader(body, m.Size+1))
	sum := sha256.Sum256(build)
	switch {
	case err != nil:
		return fmt.Errorf("update: download: %w", err)
	case int64(len(build)) != m.Size:
		return fmt.Errorf("update: got %d bytes, offer says %d: %w", len(build), m.Size, errUpdateHash)
	case !bytes.Equal(sum[:], m.SHA256):
		return errUpdateHash
	}
	prog, err := u.stamp(build, m.Config)
	if err != nil {
		return err
	}
	if _, err := f.Write(prog); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := f.Chmod(executableMode(u.exe)); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("update: %w", err)
	}
	matchOwner(f.Name(), u.exe)
	return nil
}

// stamp puts the config the site re-issued for the new build into it. It
// must be this same jump client's installer config, signed by our site, and
// its signature must cover the new program — or the new build would refuse
// to run (and could not be trusted).
func (u *updater) stamp(build, rec []byte) ([]byte, error) {
	if len(rec) == 0 {
		return nil, errors.New("update: the site sent no config for the new build")
	}
	cfg, err := embedcfg.Verify(rec, u.siteKey)
	if err != nil {
		return nil, fmt.Errorf("update: config: %w", err)
	}
	own, _, err := embedcfg.ParseRecord(u.rec)
	if err != nil {
		return nil, fmt.Errorf("update: own config: %w", err)
	}
	if cfg.Kind != own.Kind || cfg.InstallerID != own.InstallerID || cfg.KeyInfo != own.KeyInfo || cfg.SiteURL != own.SiteURL {
		return nil, errors.New("update: the re-issued config is not this jump client's")
	}
	prog, err := embedcfg.Restamp(build, rec)
	if err == nil {
		_, _, err = embedcfg.Parse(prog)
	}
	if err != nil {
		return nil, fmt.Errorf("update: the config does not cover the new build: %w", err)
	}
	return prog, nil
}

// executableMode keeps the installed file's permissions (0755 if unknown).
func executableMode(exe string) os.FileMode {
	if st, err := os.Stat(exe); err == nil && st.Mode().Perm()&0o100 != 0 {
		return st.Mode().Perm()
	}
	return 0o755
}

// probeVersion runs `path version`. Right after the file was written a
// child forked meanwhile may still hold it open for writing (ETXTBSY), so
// that error is retried.
func probeVersion(ctx context.Context, path string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	for try := 0; ; try++ {
		cmd := exec.CommandContext(ctx, path, "version")
		hideWindow(cmd)
		out, err := cmd.Output()
		if errors.Is(err, syscall.ETXTBSY) && try < 10 {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		if err != nil {
			return "", fmt.Errorf("run the new build: %w", err)
		}
		return strings.TrimSpace(string(out)), nil
	}
}
