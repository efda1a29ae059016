package agent_test

import (
	"context"
	"strings"
	"testing"

	"github.com/creack/pty"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/internal/sitetest"
	"github.com/tetherhq/tether/internal/syncbuf"
)

// TestTerminalChat: a support app run in a terminal prints the
// technician's message and sends a line starting with ">" as the
// customer's answer.
func TestTerminalChat(t *testing.T) {
	master, tty, err := pty.Open()
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	defer master.Close()
	defer tty.Close()
	s := sitetest.Start(t, nil)
	ss := s.CreateSession(nil)
	exe := download(t, s, ss.Code)
	out := &syncbuf.Buffer{}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- agent.RunSupport(ctx, agent.SupportOptions{Executable: exe, StateDir: t.TempDir(), SecurityCode: ss.SecurityCode,
			Stdout: out, Stdin: tty})
	}()
	defer func() { cancel(); master.Write([]byte("\n")); <-done }()
	waitStatus(t, s, ss.ID, "activated", true)
	if st := s.Do(s.Token, "POST", "/api/v1/sessions/"+ss.ID+"/chat", map[string]any{"text": "Can you read this?"}, nil); st != 201 {
		t.Fatalf("chat: %d", st)
	}
	sitetest.WaitFor(t, "the message on the terminal", func() bool {
		return strings.Contains(out.String(), "tech: Can you read this?") && strings.Contains(out.String(), "Type > and your answer")
	})
	master.Write([]byte("> Yes, loud and clear\n"))
	var list struct{ Items []struct{ From, Text string } }
	sitetest.WaitFor(t, "the answer stored", func() bool {
		s.Do(s.Token, "GET", "/api/v1/sessions/"+ss.ID+"/chat", nil, &list)
		return len(list.Items) == 2 && list.Items[1].From == "customer" && list.Items[1].Text == "Yes, loud and clear"
	})
}
