package agent

import (
	"testing"
	"time"

	"github.com/tetherhq/tether/wire"
)

// TestActivationAnswerSkipsOtherMessages: a message that is not the site's
// answer to Activate (a pin, which the site may send as soon as it stored
// the activation) is not taken for a refused code, and is served after.
func TestActivationAnswerSkipsOtherMessages(t *testing.T) {
	c := &ctrl{msgs: make(chan wire.Msg, 4), done: make(chan struct{})}
	c.msgs <- &wire.Pinned{}
	c.msgs <- &wire.Chat{Text: "hello"}
	c.msgs <- &wire.Activated{EndsAt: time.Unix(1e9, 0)}
	m, err := activationAnswer(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*wire.Activated); !ok {
		t.Fatalf("answer %T, want *wire.Activated", m)
	}
	for _, want := range []string{"pinned", "chat"} {
		m, err := c.recv(t.Context())
		if err != nil || m.MsgType() != want {
			t.Fatalf("then %v (%v), want the early %s", m, err, want)
		}
	}
}
