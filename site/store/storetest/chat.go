package storetest

import (
	"strings"
	"testing"

	"github.com/tetherhq/tether/site/store"
)

func testChat(t *testing.T, s store.Store) {
	ctx := t.Context()
	got, err := s.Chat(ctx, "s1", 0, 0)
	must(t, err)
	equal(t, "Chat of an empty store", got, []store.ChatMessage(nil))

	long := strings.Repeat("é", 4000) // the API's limit, in characters
	var all []store.ChatMessage
	for i, m := range []store.ChatMessage{
		{SessionID: "s1", From: "technician", Name: "ann", Text: "Hello — can you see me?", At: at(10)},
		{SessionID: "s2", From: "technician", Name: "ben", Text: "other session", At: at(11)},
		{SessionID: "s1", From: "customer", Name: "Customer", Text: "yes ✓\nsecond line", At: at(12)},
		{SessionID: "s1", From: "customer", Text: long, At: at(9)}, // order is by ID, not time
	} {
		must(t, s.AddChat(ctx, &m))
		if m.ID <= 0 || (i > 0 && m.ID <= all[i-1].ID) {
			t.Fatalf("chat IDs not increasing: %d after %v", m.ID, all)
		}
		all = append(all, m)
	}
	for _, c := range []struct {
		name  string
		sess  string
		since int64
		limit int
		want  []store.ChatMessage
	}{
		{"session", "s1", 0, 0, []store.ChatMessage{all[0], all[2], all[3]}},
		{"since", "s1", all[0].ID, 0, []store.ChatMessage{all[2], all[3]}},
		{"since the last", "s1", all[3].ID, 0, nil},
		{"limit keeps the first", "s1", 0, 2, []store.ChatMessage{all[0], all[2]}},
		{"other session", "s2", 0, 0, []store.ChatMessage{all[1]}},
		{"no match", "s9", 0, 0, nil},
	} {
		got, err := s.Chat(ctx, c.sess, c.since, c.limit)
		must(t, err)
		equal(t, "Chat "+c.name, got, c.want)
	}
}
