package agent

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetherhq/tether/embedcfg"
	"github.com/tetherhq/tether/internal/testdir"
	"github.com/tetherhq/tether/wire"
)

// updateFixture is a pinned TLS "site" serving one build, and an installed
// executable the updater may replace.
type updateFixture struct {
	t        *testing.T
	served   []byte // what the site sends
	requests atomic.Int32
	srv      *httptest.Server
	key      ed25519.PrivateKey
	exe      string
	old      []byte // the executable's content before the update
	restarts []string
	probed   string // version the stubbed probe reports
}

func newUpdateFixture(t *testing.T, build []byte) *updateFixture {
	f := &updateFixture{t: t, served: build, probed: "2.0"}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.requests.Add(1)
		if r.URL.Path != "/agent/v1/update/build" {
			http.NotFound(w, r)
			return
		}
		w.Write(f.served)
	}))
	t.Cleanup(f.srv.Close)
	_, f.key, _ = ed25519.GenerateKey(rand.Reader)
	dir := testdir.New(t)
	f.exe = filepath.Join(dir, "tether")
	f.old = []byte("old build\x00config record")
	if err := os.WriteFile(f.exe, f.old, 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

// installerConfig is the jump client's config, issued for build.
func (f *updateFixture) installerConfig(installerID string, build []byte) []byte {
	f.t.Helper()
	rec, err := embedcfg.Record(&embedcfg.Config{Kind: embedcfg.KindInstaller, SiteURL: f.srv.URL, KeyInfo: "key-" + installerID,
		InstallerID: installerID, BinarySHA256: embedcfg.Digest(build, len(build), 0)}, f.key)
	if err != nil {
		f.t.Fatal(err)
	}
	return rec
}

func (f *updateFixture) updater() *updater {
	sum := sha256.Sum256(f.srv.Certificate().RawSubjectPublicKeyInfo)
	return &updater{exe: f.exe, rec: f.installerConfig("i1", []byte("old build")), siteURL: f.srv.URL,
		pin: base64.StdEncoding.EncodeToString(sum[:]), siteKey: f.key.Public().(ed25519.PublicKey),
		platform: "linux-amd64", log: slog.New(slog.DiscardHandler),
		probe:   func(context.Context, string) (string, error) { return f.probed, nil },
		restart: func(exe string) error { f.restarts = append(f.restarts, exe); return nil }}
}

// offer is what the site would send for build as version on platform,
// with the client's config re-issued for the build.
func (f *updateFixture) offer(build []byte, version, platform string) *wire.Update {
	sum := sha256.Sum256(build)
	return &wire.Update{Version: version, URL: "/agent/v1/update/build", SHA256: sum[:], Size: int64(len(build)),
		Sig: ed25519.Sign(f.key, wire.UpdateMessage(version, platform, sum[:])), Config: f.installerConfig("i1", build)}
}

// untouched fails unless the executable is as before, nothing was left
// next to it and no restart happened.
func (f *updateFixture) untouched() {
	f.t.Helper()
	if b, _ := os.ReadFile(f.exe); !bytes.Equal(b, f.old) {
		f.t.Fatalf("executable changed to %q", b)
	}
	if ents, _ := os.ReadDir(filepath.Dir(f.exe)); len(ents) != 1 {
		f.t.Fatalf("left files next to the executable: %v", ents)
	}
	if len(f.restarts) != 0 {
		f.t.Fatalf("restarted: %v", f.restarts)
	}
}

func TestUpdateReplacesAndRestarts(t *testing.T) {
	build := []byte("new build 2.0")
	f := newUpdateFixture(t, build)
	u := f.updater()
	if err := u.apply(t.Context(), f.offer(build, "2.0", "linux-amd64")); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(f.exe)
	if !bytes.HasPrefix(got, build) {
		t.Fatalf("executable is %q, want the build with the re-issued config", got)
	}
	if cfg, _, err := embedcfg.Parse(got); err != nil || cfg.InstallerID != "i1" {
		t.Fatalf("the new executable's config: %v", err)
	}
	if st, _ := os.Stat(f.exe); runtime.GOOS != "windows" && st.Mode().Perm() != 0o755 {
		t.Fatalf("mode %v", st.Mode())
	}
	if len(f.restarts) != 1 || f.restarts[0] != f.exe {
		t.Fatalf("restarts: %v", f.restarts)
	}
	if ents, _ := os.ReadDir(filepath.Dir(f.exe)); len(ents) != 1 && runtime.GOOS != "windows" {
		t.Fatalf("left files next to the executable: %v", ents)
	}
}

func TestUpdateRefusesTamperedOrUnsigned(t *testing.T) {
	build := []byte("new build 2.0")
	tampered := []byte("new build 2.1") // same size, other bytes
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	for _, tc := range []struct {
		name     string
		served   []byte
		offer    func(f *updateFixture) *wire.Update
		want     error  // errors.Is target, or nil to match text
		text     string // in the error
		download bool   // the refusal comes after downloading
	}{
		{name: "tampered build", served: tampered, download: true, want: errUpdateHash,
			offer: func(f *updateFixture) *wire.Update { return f.offer(build, "2.0", "linux-amd64") }},
		{name: "longer build", served: append(append([]byte{}, build...), '!'), download: true, want: errUpdateHash,
			offer: func(f *updateFixture) *wire.Update { return f.offer(build, "2.0", "linux-amd64") }},
		{name: "signed by another key", served: build, want: errUpdateSignature,
			offer: func(f *updateFixture) *wire.Update {
				o := f.offer(build, "2.0", "linux-amd64")
				o.Sig = ed25519.Sign(otherKey, wire.UpdateMessage("2.0", "linux-amd64", o.SHA256))
				return o
			}},
		{name: "signed for another platform", served: build, want: errUpdateSignature,
			offer: func(f *updateFixture) *wire.Update { return f.offer(build, "2.0", "windows-amd64") }},
		{name: "signed as another version", served: build, want: errUpdateSignature,
			offer: func(f *updateFixture) *wire.Update {
				o := f.offer(build, "2.0", "linux-amd64")
				o.Version = "3.0"
				return o
			}},
		{name: "hash swapped under the signature", served: tampered, want: errUpdateSignature,
			offer: func(f *updateFixture) *wire.Update {
				o := f.offer(build, "2.0", "linux-amd64")
				sum := sha256.Sum256(tampered)
				o.SHA256 = sum[:]
				return o
			}},
		{name: "no config for the new build", served: build, download: true, text: "no config",
			offer: func(f *updateFixture) *wire.Update {
				o := f.offer(build, "2.0", "linux-amd64")
				o.Config = nil
				return o
			}},
		{name: "another jump client's config", served: build, download: true, text: "not this jump client's",
			offer: func(f *updateFixture) *wire.Update {
				o := f.offer(build, "2.0", "linux-amd64")
				o.Config = f.installerConfig("i2", build)
				return o
			}},
		{name: "config for another build", served: build, download: true, text: "does not cover the new build",
			offer: func(f *updateFixture) *wire.Update {
				o := f.offer(build, "2.0", "linux-amd64")
				o.Config = f.installerConfig("i1", tampered)
				return o
			}},
		{name: "config signed by another key", served: build, download: true, want: embedcfg.ErrTampered,
			offer: func(f *updateFixture) *wire.Update {
				o := f.offer(build, "2.0", "linux-amd64")
				o.Config, _ = embedcfg.Record(&embedcfg.Config{Kind: embedcfg.KindInstaller, SiteURL: f.srv.URL, KeyInfo: "key-i1",
					InstallerID: "i1", BinarySHA256: embedcfg.Digest(build, len(build), 0)}, otherKey)
				return o
			}},
		{name: "URL on another host", served: build, text: "not a path on the site",
			offer: func(f *updateFixture) *wire.Update {
				o := f.offer(build, "2.0", "linux-amd64")
				o.URL = "//evil.example/build"
				return o
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newUpdateFixture(t, tc.served)
			err := f.updater().apply(t.Context(), tc.offer(f))
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.text) {
				t.Fatalf("got %v, want %v %q", err, tc.want, tc.text)
			}
			if n := f.requests.Load(); (n > 0) != tc.download {
				t.Fatalf("%d downloads; refusal should come before any: %v", n, !tc.download)
			}
			f.untouched()
		})
	}
}

// A build that runs but reports another version than it was signed as
// would update again at every check-in: it is refused.
func TestUpdateRefusesMislabelledBuild(t *testing.T) {
	build := []byte("new build, really 1.9")
	f := newUpdateFixture(t, build)
	f.probed = "1.9"
	err := f.updater().apply(t.Context(), f.offer(build, "2.0", "linux-amd64"))
	if err == nil || !strings.Contains(err.Error(), `reports version "1.9"`) {
		t.Fatalf("got %v", err)
	}
	f.untouched()
}

func TestProbeVersionRunsTheBuild(t *testing.T) {
	// A script stands in for the new build: sh, or on Windows a batch
	// file (CreateProcess runs it through cmd.exe).
	p := filepath.Join(testdir.New(t), "tether")
	script := "#!/bin/sh\n[ \"$1\" = version ] && echo 2.0 && exit 0\nexit 3\n"
	if runtime.GOOS == "windows" {
		p += ".bat"
		script = "@if \"%1\"==\"version\" (echo 2.0& exit /b 0)\r\n@exit /b 3\r\n"
	}
	os.WriteFile(p, []byte(script), 0o755)
	if v, err := probeVersion(t.Context(), p); err != nil || v != "2.0" {
		t.Fatalf("probe: %q %v", v, err)
	}
	os.WriteFile(p, []byte("not a program"), 0o755)
	if _, err := probeVersion(t.Context(), p); err == nil {
		t.Fatal("probe of a broken build succeeded")
	}
}

// lineLog collects log messages.
type lineLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *lineLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *lineLog) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, r.Message)
	return nil
}
func (l *lineLog) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *lineLog) WithGroup(string) slog.Handler      { return l }

func (l *lineLog) has(prefix string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.HasPrefix(s, prefix) {
			n++
		}
	}
	return n
}

// A failed update is not retried on the same connection: a second offer is
// ignored until the connection ends.
func TestUpdateOncePerConnection(t *testing.T) {
	f := newUpdateFixture(t, []byte("x"))
	log := &lineLog{}
	j := &jumpClient{o: JumpOptions{Executable: f.exe}, log: slog.New(log),
		cfg: &embedcfg.Config{SiteURL: f.srv.URL, SiteKey: f.key.Public().(ed25519.PublicKey)}}
	bad := &wire.Update{Version: "2.0"} // no hash: refused before any download
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	j.startUpdate(ctx, nil, bad)
	waitLog(t, log, "update failed", 1)
	j.startUpdate(ctx, nil, bad)
	waitLog(t, log, "update: already tried", 1)
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, busy := updating.Load(j); !busy {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("attempt still registered after the connection ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	j.startUpdate(t.Context(), nil, bad)
	waitLog(t, log, "update failed", 2)
	f.untouched()
}

func waitLog(t *testing.T, l *lineLog, prefix string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for l.has(prefix) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %d× %q in %q", n, prefix, l.lines)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
