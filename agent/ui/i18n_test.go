package ui

import (
	"strings"
	"testing"
)

// TestCatalogueComplete: every key has every language, and the
// placeholders agree between languages.
func TestCatalogueComplete(t *testing.T) {
	for k, m := range catalogue {
		for _, l := range Langs {
			s, ok := m[l]
			if !ok || strings.TrimSpace(s) == "" {
				t.Errorf("key %q has no %s text", k, l)
				continue
			}
			if got, want := verbs(s), verbs(m[English]); got != want {
				t.Errorf("key %q: %s has verbs %q, English %q", k, l, got, want)
			}
		}
		if len(m) != len(Langs) {
			t.Errorf("key %q has %d languages, want %d", k, len(m), len(Langs))
		}
	}
}

// verbs lists the fmt verbs of s, order-independent for %[n]x forms.
func verbs(s string) string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '%' || i+1 >= len(s) {
			continue
		}
		j := i + 1
		for j < len(s) && strings.ContainsRune("[]0123456789", rune(s[j])) {
			j++
		}
		if j < len(s) {
			out = append(out, s[i:j+1])
		}
		i = j
	}
	return strings.Join(out, " ")
}

// SPEC G fixes these English texts.
func TestSpecTexts(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{T(English, keySharing, "Anna"), "Anna can see and control your screen."},
		{T(English, keyPaused), "Sharing paused."},
		{T(German, keySharing, "Anna"), "Anna kann Ihren Bildschirm sehen und steuern."},
		{T(German, keyPaused), "Freigabe angehalten."},
		{T(English, KeyTitle), "Tether remote support"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	s := snapshot{lang: English, state: State{Phase: PhaseSharing}}
	if line, _ := s.stateText(); line != "Your technician can see and control your screen." {
		t.Errorf("no technician name: %q", line)
	}
}

func TestLangFromEnv(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want Lang
	}{
		{map[string]string{}, English},
		{map[string]string{"LANG": "de_DE.UTF-8"}, German},
		{map[string]string{"LANG": "de_AT"}, German},
		{map[string]string{"LANG": "fr_FR.UTF-8"}, English},
		{map[string]string{"LANG": "de_DE.UTF-8", "LC_MESSAGES": "en_US.UTF-8"}, English},
		{map[string]string{"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_CH.UTF-8"}, German},
		{map[string]string{"LANG": "de_DE.UTF-8", "LC_ALL": "C"}, English},
		{map[string]string{"LC_ALL": "de_DE@euro"}, German},
		{map[string]string{"LANG": "C.UTF-8"}, English},
	} {
		if got := langFromEnv(func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("%v: got %s, want %s", c.env, got, c.want)
		}
	}
	if got := Lang("DE-de").supported(); got != German {
		t.Errorf("DE-de → %s", got)
	}
}

func TestTFallbacks(t *testing.T) {
	if got := T("xx", keyPause); got != "Pause" {
		t.Errorf("unknown language: %q", got)
	}
	if got := T(German, Key("no-such-key")); got != "no-such-key" {
		t.Errorf("unknown key: %q", got)
	}
}
