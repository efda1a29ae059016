// Package pgtest runs one private PostgreSQL server per test binary (initdb
// into a temp dir, a random loopback port) and hands each test a fresh
// database on it, so store tests run against a real server without touching
// any installed cluster.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and call Start(t) in each test that needs a database.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvRequirePG makes tests fail instead of skip when the PostgreSQL server
// binaries are missing (CI sets it so coverage cannot silently disappear).
const EnvRequirePG = "TETHER_REQUIRE_PG"

var shared struct {
	mainRan bool // Main is running the tests, so the server will be stopped
	once    sync.Once
	srv     *Server
	err     error
	missing error // binaries not installed: skip (or fail with EnvRequirePG)
}

// Main runs the tests, then stops the server if a test started it.
func Main(m *testing.M) {
	shared.mainRan = true
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Stop()
	}
	os.Exit(code)
}

// Start returns the URL of a new, empty database on the test binary's
// server (started on first use), dropped in tb's cleanup. It skips tb when
// PostgreSQL is not installed unless TETHER_REQUIRE_PG=1.
func Start(tb testing.TB) string {
	tb.Helper()
	if !shared.mainRan {
		// Without Main nothing would stop the server or remove its files.
		tb.Fatal("pgtest: call pgtest.Main(m) from TestMain")
	}
	shared.once.Do(func() {
		var bin string
		bin, shared.missing = BinDir()
		if shared.missing == nil {
			shared.srv, shared.err = Launch(bin)
		}
	})
	if shared.missing != nil {
		if os.Getenv(EnvRequirePG) == "1" {
			tb.Fatalf("%v and %s=1", shared.missing, EnvRequirePG)
		}
		tb.Skipf("%v (set %s=1 to fail instead)", shared.missing, EnvRequirePG)
	}
	if shared.err != nil {
		tb.Fatal(shared.err)
	}
	dsn, drop, err := shared.srv.CreateDatabase(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return dsn
}

// BinDir finds the directory of initdb and postgres: the newest
// /usr/lib/postgresql/*/bin (Debian keeps them off PATH), else PATH.
func BinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, initdb := range dirs {
		dir := filepath.Dir(initdb)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	// Elsewhere initdb may be on PATH, perhaps as a symlink into the real
	// bin dir, which must hold postgres too.
	if initdb, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(initdb); err == nil {
			dir := filepath.Dir(real)
			if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
				return dir, nil
			}
		}
	}
	return "", errors.New("PostgreSQL server binaries (initdb, postgres) not found under /usr/lib/postgresql/*/bin or on PATH")
}

// pgVersion reads the major version out of /usr/lib/postgresql/N/bin/initdb.
func pgVersion(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

// Server is a running private PostgreSQL server.
type Server struct {
	// URL of the "postgres" maintenance database.
	URL    string
	dir    string
	cmd    *exec.Cmd
	exited chan struct{} // closed when the server process has exited
	as     *runAs
	log    string
	once   sync.Once
}

// runAs is the user the server runs as when the tests run as root.
type runAs struct{ uid, gid int }

// Launch initialises a cluster in a new temp dir and starts the server on
// a free loopback port; Stop removes it again.
func Launch(binDir string) (_ *Server, err error) {
	dir, err := os.MkdirTemp("", "tether-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, log: filepath.Join(dir, "postgres.log")}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if s.as, err = dropRoot(dir); err != nil {
		return nil, err
	}
	// Trust auth on a private loopback port and socket dir is fine for
	// tests; --no-sync because the cluster is thrown away.
	initdb := s.command(filepath.Join(binDir, "initdb"), "-D", filepath.Join(dir, "data"),
		"-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w: %s", err, out)
	}
	// A port picked by the kernel can be taken by someone else before the
	// server binds it; try another one then.
	for attempt := 0; ; attempt++ {
		err = s.start(filepath.Join(binDir, "postgres"))
		if err == nil || attempt == 4 || !errors.Is(err, errPortTaken) {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// dropRoot makes dir usable by the "postgres" system user and returns the
// credentials to run the server with: postgres refuses to run as root.
func dropRoot(dir string) (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root and there is no postgres user to run the server as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	return &runAs{uid: uid, gid: gid}, nil
}

func (s *Server) command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	// The test's working dir may not be readable by the postgres user.
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	cmd.SysProcAttr = procAttr(s.as)
	return cmd
}

var errPortTaken = errors.New("port taken")

// start runs postgres in the foreground (not pg_ctl, which daemonizes it
// and would lose Pdeathsig) and waits until it accepts connections.
func (s *Server) start(postgres string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	logf, err := os.Create(s.log)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	if s.as != nil {
		_ = logf.Chown(s.as.uid, s.as.gid)
	}
	// Durability is pointless for a throwaway cluster and costs most of the
	// test time on a busy disk.
	s.cmd = s.command(postgres, "-D", filepath.Join(s.dir, "data"), "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+s.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	exited := make(chan struct{})
	s.exited = exited
	go func() { _ = s.cmd.Wait(); close(exited) }()
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, s.URL)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return nil
		}
		select {
		case <-exited:
			out, _ := os.ReadFile(s.log)
			if strings.Contains(string(out), "could not bind") || strings.Contains(string(out), "in use") {
				return fmt.Errorf("pgtest: %w: %s", errPortTaken, out)
			}
			return fmt.Errorf("pgtest: postgres exited: %s", out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(s.log)
			_ = s.cmd.Process.Kill()
			<-exited
			return fmt.Errorf("pgtest: postgres not ready within 30s: %v: %s", err, out)
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// CreateDatabase creates an empty database t_<random> and returns its URL
// and a function that drops it.
func (s *Server) CreateDatabase(ctx context.Context) (url string, drop func() error, err error) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])
	if err := s.exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", nil, err
	}
	url = strings.Replace(s.URL, "/postgres?", "/"+name+"?", 1)
	// FORCE ends connections a test left open, so one leak does not fail
	// every later cleanup.
	return url, func() error { return s.exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") }, nil
}

// exec runs one statement on the maintenance database. A connection per
// call keeps Server free of shared connection state; it costs ~1 ms.
func (s *Server) exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, sql); err != nil {
		return fmt.Errorf("pgtest: %s: %w", sql, err)
	}
	return nil
}

// Stop shuts the server down (fast shutdown, then kill) and removes its
// files; safe to call more than once.
func (s *Server) Stop() {
	s.once.Do(func() {
		if s.cmd != nil && s.cmd.Process != nil && s.exited != nil {
			_ = s.cmd.Process.Signal(os.Interrupt)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.exited
			}
		}
		_ = os.RemoveAll(s.dir)
	})
}
