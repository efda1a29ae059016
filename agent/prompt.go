package agent

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/ncruces/zenity"
	"golang.org/x/term"
)

// Prompter asks the customer things. The terminal is used when there is one;
// a double-clicked app gets a native dialog.
type Prompter interface {
	// SecurityCode asks for the code; note explains a previous failure.
	SecurityCode(ctx context.Context, note string) (string, error)
	// Confirm asks a yes/no question (consent, D2).
	Confirm(ctx context.Context, question string) (bool, error)
}

// errNoAnswer means the customer closed the prompt.
var errNoAnswer = errors.New("no answer")

// lineReader reads lines from stdin once, shared by all prompts. One
// goroutine reads and hands each line to one waiting prompt (the channel
// is unbuffered); a prompt whose context ends (a question that timed out,
// a link that dropped) stops waiting without taking the next line: that
// line answers the next question, not one nobody waits for any more.
type lineReader struct {
	once  sync.Once
	in    io.Reader
	lines chan string // closed at the end of the input
}

func (l *lineReader) start() {
	l.lines = make(chan string)
	go func() {
		defer close(l.lines)
		r := bufio.NewReader(l.in)
		for {
			s, err := r.ReadString('\n')
			if s != "" || err == nil {
				l.lines <- strings.TrimSpace(s)
			}
			if err != nil {
				return
			}
		}
	}()
}

func (l *lineReader) line(ctx context.Context) (string, error) {
	l.once.Do(l.start)
	select {
	case s, ok := <-l.lines:
		if !ok {
			return "", errNoAnswer
		}
		return s, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// termPrompter prompts on stderr and reads stdin (also used when stdin is a
// pipe and no dialog can be shown, which is how scripts answer).
type termPrompter struct {
	out io.Writer
	in  *lineReader
}

func (p *termPrompter) SecurityCode(ctx context.Context, note string) (string, error) {
	if note != "" {
		fmt.Fprintln(p.out, note)
	}
	fmt.Fprint(p.out, "Enter the security code from your technician: ")
	return p.in.line(ctx)
}

func (p *termPrompter) Confirm(ctx context.Context, q string) (bool, error) {
	fmt.Fprintf(p.out, "%s [y/N] ", q)
	s, err := p.in.line(ctx)
	if err != nil {
		return false, err
	}
	s = strings.ToLower(s)
	return s == "y" || s == "yes", nil
}

// dialogPrompter uses native dialogs (zenity/kdialog on Linux, osascript on
// macOS, Win32 on Windows).
type dialogPrompter struct{}

func (dialogPrompter) SecurityCode(ctx context.Context, note string) (string, error) {
	text := "Enter the security code from your technician."
	if note != "" {
		text = note + "\n\n" + text
	}
	s, err := zenity.Entry(text, zenity.Title("Tether remote support"), zenity.Context(ctx))
	if errors.Is(err, zenity.ErrCanceled) {
		return "", errNoAnswer
	}
	return strings.TrimSpace(s), err
}

func (dialogPrompter) Confirm(ctx context.Context, q string) (bool, error) {
	err := zenity.Question(q, zenity.Title("Tether remote support"), zenity.Context(ctx),
		zenity.OKLabel("Allow"), zenity.CancelLabel("Deny"))
	if errors.Is(err, zenity.ErrCanceled) {
		return false, nil
	}
	return err == nil, err
}

// EnvNoDialog keeps the agent from opening dialogs (scripts, CI).
const EnvNoDialog = "TETHER_NO_DIALOG"

// DefaultPrompter picks the terminal when stdin is one, else a dialog when a
// desktop is there, else plain lines from stdin.
func DefaultPrompter(in io.Reader, out io.Writer) Prompter {
	term := &termPrompter{out: out, in: &lineReader{in: in}}
	if isTerminal(in) {
		return term
	}
	if os.Getenv(EnvNoDialog) == "" && hasDesktop() {
		return dialogPrompter{}
	}
	return term
}

func hasDesktop() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	return os.Getenv("DISPLAY") != "" || os.Getenv("WAYLAND_DISPLAY") != ""
}

// isTerminal reports whether in is a real terminal (a TTY or a Windows
// console) — not just any character device: a double-clicked app's stdin is
// /dev/null, which is one, and reading it answers every prompt with EOF.
func isTerminal(in io.Reader) bool {
	f, ok := in.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
