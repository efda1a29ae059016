package wire

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSessionCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c := NewSessionCode()
		n, ok := NormalizeSessionCode(FormatSessionCode(c))
		if !ok || n != c {
			t.Fatalf("code %q does not validate after formatting", c)
		}
		seen[c] = true
	}
	if len(seen) < 1990 {
		t.Fatalf("only %d distinct codes in 2000", len(seen))
	}
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"79927398-2", true}, {"799 273 982", true}, {"799273984", false},
		{"79927398", false}, {"7992739830", false}, {"79927a983", false}, {"", false},
	} {
		if _, ok := NormalizeSessionCode(tc.in); ok != tc.ok {
			t.Errorf("NormalizeSessionCode(%q) ok=%v, want %v", tc.in, ok, tc.ok)
		}
	}
	// Every single-digit typo is caught by the check digit.
	c := NewSessionCode()
	for i := range SessionCodeLen {
		for d := byte('0'); d <= '9'; d++ {
			if d == c[i] {
				continue
			}
			typo := c[:i] + string(d) + c[i+1:]
			if _, ok := NormalizeSessionCode(typo); ok {
				t.Fatalf("typo %q of %q accepted", typo, c)
			}
		}
	}
}

func TestSecurityCode(t *testing.T) {
	c := NewSecurityCode()
	if len(c) != 9 || c[4] != '-' {
		t.Fatalf("format %q", c)
	}
	if got := NormalizeSecurityCode(strings.ToLower(c)); got != strings.ReplaceAll(c, "-", "") {
		t.Fatalf("normalize %q = %q", c, got)
	}
	if got := NormalizeSecurityCode("o1l i-zz"); got != "0111ZZ" {
		t.Fatalf("look-alikes: %q", got)
	}
}

// seedTexts are SPEC A9 and C11, copied literally: all 26 codes and texts
// scripts and outside tests depend on.
var seedTexts = map[Code]string{
	SessionInvalid:      "This support session is invalid.",
	SessionExpired:      "This support session has expired. Inform your support technician.",
	SessionClosed:       "The support session has been closed.",
	SessionDeleted:      "This support session is invalid. Contact your technician.",
	AppNotAvailable:     "App not available",
	SecurityCodeInvalid: "Invalid security code.",
	PreviousSessionOpen: "A previous session has not yet been closed completely.",
	HostInstalled:       "Host software is installed on this computer.",
	LimitTechnician:     "Only one ad hoc support session can be active per technician.",
	LimitSite:           "The maximum number of concurrent support sessions has been reached. Try again later.",
	JCLimitTotal:        "The total number of deployable Jump Clients for this site has been reached.",
	JCLimitActive:       "The total number of active Jump Clients for this site has been reached.",
	PinPending:          "There is already a pin request pending for this support session.",
	AlreadyPinned:       "The support client is already pinned.",
	NoCustomer:          "No customer was found in the support session.",
	CustomerOffline:     "The customer in the support session is not online.",
	JCNotFound:          "The Jump Client does not exist.",
	JCOffline:           "The Jump Client is offline.",
	JCUninstalled:       "The specified Jump Client has been uninstalled.",
	ServerBusy:          "The server is currently too busy. Please try again later.",
	JumpInternal:        "An internal error occurred while starting the support session.",
	JumpTimeout:         "An internal operation took too long while creating the support session.",
	JCNotConnected:      "The active Jump Client is not connected.",
	JCConnectTimeout:    "Timed out while trying to connect to the Jump Client.",
	JCDisabled:          "The Jump Client has been disabled by the user and does not currently allow sessions to start.",
	JCVersionMismatch:   "The Jump Client is running a different version and is not attempting to update. Please try again after the update has finished.",
}

func TestEveryCodeHasTextAndStatus(t *testing.T) {
	for _, c := range Codes() {
		if c.Message() == "" || c.HTTPStatus() < 400 {
			t.Errorf("%s: text %q status %d", c, c.Message(), c.HTTPStatus())
		}
	}
	if len(seedTexts) != 26 {
		t.Fatalf("the seed table lists %d codes, SPEC A9 and C11 have 26", len(seedTexts))
	}
	for c, text := range seedTexts {
		if c.Message() != text {
			t.Errorf("%s = %q, want the seed text %q", c, c.Message(), text)
		}
		if Generic(c) {
			t.Errorf("%s is a seed code with a fixed text, not a generic one", c)
		}
		if got := Errorf(c, "detail %d", 1); got.Error() != text || got.Detail != "detail 1" {
			t.Errorf("Errorf(%s) = %q / %q: the seed text must stay, the detail go aside", c, got.Error(), got.Detail)
		}
	}
	err := error(Errorf(SessionClosed, "id %d", 3))
	if !errors.Is(err, Err(SessionClosed)) || CodeOf(err) != SessionClosed || err.Error() != "The support session has been closed." {
		t.Fatalf("error plumbing broken: %v", err)
	}
}

func TestMessagesRoundTrip(t *testing.T) {
	msgs := []Msg{
		&Challenge{Nonce: []byte{1, 2}},
		&Hello{Protocol: 1, Version: "v", Mode: ModeSupport, Config: []byte("c"), Identity: []byte("k"), Proof: []byte("p"), Host: HostInfo{Hostname: "h", BootTime: time.Unix(5, 0).UTC()}, Beats: true},
		&Welcome{SessionID: "s", Status: StatusActivated, Heartbeat: time.Second, Beats: true, SiteProof: []byte{9}},
		&Activate{SecurityCode: "ABCD-EFGH"},
		&Activated{EndsAt: time.Unix(10, 0).UTC()},
		&ErrorMsg{Code: SecurityCodeInvalid, Message: "Invalid security code.", AttemptsLeft: 2},
		&End{Code: SessionClosed, Uninstall: true},
		&Reboot{Session: "s", SafeMode: true, Confirm: true, RestartConfirm: true, Technician: "t", Timeout: 10 * time.Minute},
		&RebootStatus{Session: "s", Event: RebootDeclined, Detail: "no answer"},
		&View{Stream: "x", Token: []byte("t"), Control: true},
		&Update{Version: "2", URL: "/u", SHA256: []byte{1}, Sig: []byte{2}},
		&HostUpdate{Disabled: true},
		&Notice{Text: "hi"},
		&Sleep{CheckIn: time.Minute},
		&PinRequest{Technician: "t", Name: "n"},
		&PinAnswer{Allow: true},
		&Pinned{Config: []byte("c")},
		&Beat{},
		&Reconnect{After: 10 * time.Second},
		&Activate{},
		&Open{Stream: "s", Token: []byte("t"), Kind: StreamFiles, Session: "x", Params: json.RawMessage(`{"op":"get","path":"a"}`), Consent: &Consent{Mode: ConsentPrompt, Timeout: time.Minute, Default: true}},
		&Chat{Session: "s", ID: 3, From: "technician", Name: "ann", Text: "hello ✓", At: time.Unix(7, 0).UTC()},
		&View{Stream: "v", Token: []byte("t"), Consent: &Consent{Mode: ConsentAsk, Technician: "ann"}, Session: "s"},
		&Hello{Features: []string{FeatureToolkit}},
	}
	for _, m := range msgs {
		b, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b) {
			t.Fatalf("%s: invalid JSON %s", m.MsgType(), b)
		}
		got, err := Decode(b)
		if err != nil {
			t.Fatalf("%s: %v (%s)", m.MsgType(), err, b)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("%s: round trip %#v != %#v", m.MsgType(), got, m)
		}
	}
	if _, err := Decode([]byte(`{"type":"nope"}`)); !errors.Is(err, ErrUnknownMessage) {
		t.Fatalf("unknown type: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"type":"hello","protocol":1}`, `{"type":"error","code":"session_closed"}`, `{"type":"view","token":"AAE="}`, `[]`, `{`,
		`{"type":"open","stream":"s","kind":"files","params":{"op":"put","path":"a","size":3}}`,
		`{"type":"open","params":{ "op" : "get" }}`,
		`{"type":"chat","text":"hi","at":"2024-01-02T03:04:05Z","id":4}`,
		`{"type":"view","consent":{"mode":"prompt","timeout":1000000000,"default":true}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever decodes must encode and decode to the same message.
		enc, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Decode(enc)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("re-decode: %v", err)
		}
	})
}
