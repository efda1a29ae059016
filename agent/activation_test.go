package agent

import (
	"testing"
	"time"

	"github.com/tetherhq/tether/wire"
)

// TestActivationAnswerSkipsOtherMessages: a message that is not the site's
// answer to Activate (here a chat line, arriving first on a busy site) is
// not taken for a refused code.
func TestActivationAnswerSkipsOtherMessages(t *testing.T) {
	c := &ctrl{msgs: make(chan wire.Msg, 4), done: make(chan struct{})}
	c.msgs <- &wire.Chat{Text: "hello"}
	c.msgs <- &wire.Activated{EndsAt: time.Unix(1e9, 0)}
	m, err := activationAnswer(t.Context(), c)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*wire.Activated); !ok {
		t.Fatalf("answer %T, want *wire.Activated", m)
	}
}
