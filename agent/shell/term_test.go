package shell

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"sync"
	"testing"
	"time"
)

// term reads a session's output on its own goroutine, as the site would,
// and lets a test wait for text to appear.
type term struct {
	t       *testing.T
	s       *Session
	mu      sync.Mutex
	out     bytes.Buffer
	more    chan struct{} // signalled on every read
	readErr chan error    // the error that ended reading
}

func start(t *testing.T, opts Options) *term {
	t.Helper()
	s, err := Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, s: s, more: make(chan struct{}, 1), readErr: make(chan error, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := s.Read(buf)
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			select {
			case tm.more <- struct{}{}:
			default:
			}
			if err != nil {
				tm.readErr <- err
				return
			}
		}
	}()
	t.Cleanup(func() { s.Close() })
	return tm
}

func (tm *term) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.s, s); err != nil {
		tm.t.Fatal(err)
	}
}

// expect waits until the output matches re and returns the submatches of
// the first match after what earlier expects consumed.
func (tm *term) expect(re string) []string {
	tm.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.After(10 * time.Second)
	for {
		tm.mu.Lock()
		loc := rx.FindSubmatchIndex(tm.out.Bytes())
		var m []string
		if loc != nil {
			b := tm.out.Bytes()
			for i := 0; i < len(loc); i += 2 {
				if loc[i] >= 0 {
					m = append(m, string(b[loc[i]:loc[i+1]]))
				} else {
					m = append(m, "")
				}
			}
			tm.out.Next(loc[1]) // consume through the match
		}
		tm.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-tm.more:
		case <-deadline:
			tm.mu.Lock()
			defer tm.mu.Unlock()
			tm.t.Fatalf("no %q in the terminal output; got %q", re, tm.out.String())
		}
	}
}

// ended waits for the reader to stop and returns why.
func (tm *term) ended() error {
	tm.t.Helper()
	select {
	case err := <-tm.readErr:
		return err
	case <-time.After(10 * time.Second):
		tm.t.Fatal("Read did not return after the session ended")
		return nil
	}
}

func waitDone(t *testing.T, s *Session) error {
	t.Helper()
	ch := make(chan error, 1)
	go func() { ch <- s.Wait() }()
	select {
	case err := <-ch:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("the shell did not end")
		return nil
	}
}

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		name       string
		base, over []string
		fold       bool
		want       []string
	}{
		{"add and replace", []string{"A=1", "B=2"}, []string{"B=3", "C=4"}, false, []string{"A=1", "B=3", "C=4"}},
		{"case matters on unix", []string{"Path=a"}, []string{"PATH=b"}, false, []string{"Path=a", "PATH=b"}},
		{"case folded on windows", []string{"Path=a"}, []string{"PATH=b"}, true, []string{"PATH=b"}},
		{"hidden drive entries", []string{"=C:=C:\\x", "A=1"}, []string{"=C:=C:\\y"}, true, []string{"=C:=C:\\y", "A=1"}},
		{"malformed dropped", []string{"", "=", "NOEQUALS", "A=1"}, nil, false, []string{"A=1"}},
		{"empty value kept", []string{"A="}, nil, false, []string{"A="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeEnv(tt.base, tt.over, tt.fold)
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestCanceledContextCloses(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	s, err := Start(ctx, Options{Command: testShell(), AllowRoot: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	cancel()
	if err := waitDone(t, s); err == nil {
		t.Error("shell ended cleanly after being killed")
	}
}

func TestStartCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if s, err := Start(ctx, Options{Command: testShell(), AllowRoot: true}); !errors.Is(err, context.Canceled) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Start with a canceled context: %v", err)
	}
}

func TestExitStatus(t *testing.T) {
	skipUnderWine(t)
	tm := start(t, Options{Command: testShell(), AllowRoot: true})
	tm.send("exit 3\r") // Enter, as xterm.js sends it
	var ee *ExitError
	if err := waitDone(t, tm.s); !errors.As(err, &ee) || ee.Code != 3 {
		t.Fatalf("Wait = %v, want exit status 3", err)
	}
	if err := tm.ended(); !errors.Is(err, io.EOF) {
		t.Errorf("Read after exit: %v, want io.EOF", err)
	}
}
