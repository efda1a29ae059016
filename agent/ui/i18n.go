package ui

import (
	"fmt"
	"strings"
)

// Lang is a language of the customer window: "en" or "de".
type Lang string

const (
	English Lang = "en"
	German  Lang = "de"
)

// Langs lists the languages every key of the catalogue has.
var Langs = []Lang{English, German}

// Key names one customer-facing text. The exported keys are questions and
// notes the agent asks through the window, so that they come out in the
// window's language too.
type Key string

const (
	KeyTitle Key = "title"

	// KeyAskControl: %s = technician. The consent question of D2.
	KeyAskControl Key = "ask-control"
	// KeyAskView: %s = technician. Consent when the view is read-only.
	KeyAskView Key = "ask-view"
	// KeyAskPin: %[1]s = technician, %[2]q = jump client name (C2).
	KeyAskPin Key = "ask-pin"
	// KeyAskReboot: %s = technician (B3).
	KeyAskReboot Key = "ask-reboot"
	// KeyAskRestartSharing: %s = technician, after a reboot (B3).
	KeyAskRestartSharing Key = "ask-restart-sharing"
	// KeyCodeInvalid: %d = attempts left (A9 security_code_invalid).
	KeyCodeInvalid Key = "code-invalid"
	// KeyAskSendFile: %[1]s = technician, %[2]q = file, %[3]s = size. An
	// upload into the transfer folder (D3).
	KeyAskSendFile Key = "ask-send-file"
	// KeyAskGetFile: %[1]s = technician, %[2]q = file, %[3]s = size. A
	// download from this computer (D3).
	KeyAskGetFile Key = "ask-get-file"
	// KeyAskShell: %s = technician. A command shell (D4), under the
	// jump clients' prompt policy.
	KeyAskShell Key = "ask-shell"
	// KeyRebooting, KeyRejoining and KeyReconnectCancelled are the
	// window's second line around a reboot (B1, B3).
	KeyRebooting          Key = "rebooting"
	KeyRejoining          Key = "rejoining"
	KeyReconnectCancelled Key = "reconnect-cancelled"

	keyWaitingCode       Key = "state-waiting-code"
	keyWaitingCodeDetail Key = "state-waiting-code-detail"
	keyWaitingTech       Key = "state-waiting-tech"
	keyWaitingTechDetail Key = "state-waiting-tech-detail"
	keySharing           Key = "state-sharing"
	keySharingDetail     Key = "state-sharing-detail"
	keyPaused            Key = "state-paused"
	keyPausedDetail      Key = "state-paused-detail"
	keyEnded             Key = "state-ended"
	keyEndedDetail       Key = "state-ended-detail"
	keyReconnecting      Key = "state-reconnecting"
	keyReconnectDetail   Key = "state-reconnecting-detail"
	keyStopped           Key = "state-stopped-detail"
	keyYourTechnician    Key = "your-technician"
	keyTechnician        Key = "technician"
	keyTechnicianLabel   Key = "technician-label"
	keyYou               Key = "you"

	keyPause       Key = "pause"
	keyResume      Key = "resume"
	keyStopSharing Key = "stop-sharing"
	keyEndSession  Key = "end-session"
	keyEndConfirm  Key = "end-confirm"
	keyCancel      Key = "cancel"

	keyCodePrompt Key = "code-prompt"
	keyOK         Key = "ok"
	keyAllow      Key = "allow"
	keyDeny       Key = "deny"
	keyCountdown  Key = "countdown"

	keyChat            Key = "chat"
	keyChatUnread      Key = "chat-unread"
	keyChatEmpty       Key = "chat-empty"
	keyChatPlaceholder Key = "chat-placeholder"
	keySend            Key = "send"
)

// catalogue holds every customer-facing text. SPEC G fixes two English
// ones: keySharing and keyPaused.
var catalogue = map[Key]map[Lang]string{
	KeyTitle: {
		English: "Tether remote support",
		German:  "Tether Fernwartung",
	},
	KeyAskControl: {
		English: "%s asks to see and control your screen. Allow?",
		German:  "%s möchte Ihren Bildschirm sehen und steuern. Erlauben?",
	},
	KeyAskView: {
		English: "%s asks to see your screen. Allow?",
		German:  "%s möchte Ihren Bildschirm sehen. Erlauben?",
	},
	KeyAskPin: {
		English: "%[1]s asks to keep access to this computer as a Jump Client named %[2]q, also after this session. Allow?",
		German:  "%[1]s möchte auch nach dieser Sitzung als Jump Client %[2]q auf diesen Computer zugreifen können. Erlauben?",
	},
	KeyAskReboot: {
		English: "%s wants to restart your computer. Save your work first. Allow?",
		German:  "%s möchte Ihren Computer neu starten. Speichern Sie vorher Ihre Arbeit. Erlauben?",
	},
	KeyAskRestartSharing: {
		English: "Your computer has restarted. Let %s see and control your screen again?",
		German:  "Ihr Computer wurde neu gestartet. Darf %s Ihren Bildschirm wieder sehen und steuern?",
	},
	KeyCodeInvalid: {
		English: "Invalid security code. %d attempts left.",
		German:  "Ungültiger Sicherheitscode. Noch %d Versuche.",
	},
	KeyAskSendFile: {
		English: "%[1]s wants to send you the file %[2]q (%[3]s) into your Tether downloads folder. Allow?",
		German:  "%[1]s möchte Ihnen die Datei %[2]q (%[3]s) in Ihren Tether-Downloadordner senden. Erlauben?",
	},
	KeyAskGetFile: {
		English: "%[1]s wants to copy the file %[2]q (%[3]s) from your computer. Allow?",
		German:  "%[1]s möchte die Datei %[2]q (%[3]s) von Ihrem Computer kopieren. Erlauben?",
	},
	KeyAskShell: {
		English: "%s asks to open a command shell on this computer. Allow?",
		German:  "%s möchte eine Kommandozeile auf diesem Computer öffnen. Erlauben?",
	},
	KeyRebooting: {
		English: "Your computer restarts now. Log on again afterwards: the support session continues by itself.",
		German:  "Ihr Computer wird jetzt neu gestartet. Melden Sie sich danach wieder an: Die Support-Sitzung geht von selbst weiter.",
	},
	KeyRejoining: {
		English: "Your computer has restarted. Reconnecting to your support session…",
		German:  "Ihr Computer wurde neu gestartet. Die Verbindung zur Support-Sitzung wird wiederhergestellt…",
	},
	KeyReconnectCancelled: {
		English: "Reconnection cancelled. Run the support app again to continue the session.",
		German:  "Wiederverbindung abgebrochen. Starten Sie die Support-App erneut, um die Sitzung fortzusetzen.",
	},

	keyWaitingCode: {
		English: "Waiting for your security code.",
		German:  "Warten auf Ihren Sicherheitscode.",
	},
	keyWaitingCodeDetail: {
		English: "Nobody can see your screen yet.",
		German:  "Noch kann niemand Ihren Bildschirm sehen.",
	},
	keyWaitingTech: {
		English: "Waiting for your technician.",
		German:  "Warten auf Ihren Techniker.",
	},
	keyWaitingTechDetail: {
		English: "Nobody can see your screen. You will be asked first.",
		German:  "Niemand sieht Ihren Bildschirm. Sie werden vorher gefragt.",
	},
	keySharing: {
		English: "%s can see and control your screen.",
		German:  "%s kann Ihren Bildschirm sehen und steuern.",
	},
	keySharingDetail: {
		English: "Pause or stop sharing at any time.",
		German:  "Sie können die Freigabe jederzeit anhalten oder beenden.",
	},
	keyPaused: {
		English: "Sharing paused.",
		German:  "Freigabe angehalten.",
	},
	keyPausedDetail: {
		English: "%s sees nothing and cannot control your computer.",
		German:  "%s sieht nichts und kann Ihren Computer nicht steuern.",
	},
	keyEnded: {
		English: "The support session has ended.",
		German:  "Die Supportsitzung ist beendet.",
	},
	keyEndedDetail: {
		English: "You can close this window.",
		German:  "Sie können dieses Fenster schließen.",
	},
	keyReconnecting: {
		English: "Connection lost. Reconnecting…",
		German:  "Verbindung unterbrochen. Neuer Versuch …",
	},
	keyReconnectDetail: {
		English: "Nobody can see your screen until the connection is back.",
		German:  "Bis die Verbindung steht, sieht niemand Ihren Bildschirm.",
	},
	keyStopped: {
		English: "You stopped sharing. Your technician can ask again.",
		German:  "Sie haben die Freigabe beendet. Ihr Techniker kann erneut fragen.",
	},
	keyYourTechnician: {
		English: "Your technician",
		German:  "Ihr Techniker",
	},
	keyTechnician: {
		English: "Technician",
		German:  "Techniker",
	},
	keyTechnicianLabel: {
		English: "Technician: %s",
		German:  "Techniker: %s",
	},
	keyYou: {
		English: "You",
		German:  "Sie",
	},

	keyPause: {
		English: "Pause",
		German:  "Anhalten",
	},
	keyResume: {
		English: "Resume",
		German:  "Fortsetzen",
	},
	keyStopSharing: {
		English: "Stop sharing",
		German:  "Freigabe beenden",
	},
	keyEndSession: {
		English: "End session",
		German:  "Sitzung beenden",
	},
	keyEndConfirm: {
		English: "End the support session now? Your technician will be disconnected.",
		German:  "Die Supportsitzung jetzt beenden? Ihr Techniker wird getrennt.",
	},
	keyCancel: {
		English: "Cancel",
		German:  "Abbrechen",
	},

	keyCodePrompt: {
		English: "Enter the security code from your technician.",
		German:  "Geben Sie den Sicherheitscode Ihres Technikers ein.",
	},
	keyOK: {
		English: "OK",
		German:  "OK",
	},
	keyAllow: {
		English: "Allow",
		German:  "Erlauben",
	},
	keyDeny: {
		English: "Deny",
		German:  "Ablehnen",
	},
	keyCountdown: {
		English: "%s (%d s)",
		German:  "%s (%d s)",
	},

	keyChat: {
		English: "Chat",
		German:  "Chat",
	},
	keyChatUnread: {
		English: "%d new",
		German:  "%d neu",
	},
	keyChatEmpty: {
		English: "Messages with your technician appear here.",
		German:  "Hier erscheinen Nachrichten mit Ihrem Techniker.",
	},
	keyChatPlaceholder: {
		English: "Type a message",
		German:  "Nachricht eingeben",
	},
	keySend: {
		English: "Send",
		German:  "Senden",
	},
}

// T returns the text of k in l, formatted with args (English when l has
// none, the key itself when the key is unknown).
func T(l Lang, k Key, args ...any) string {
	m, ok := catalogue[k]
	if !ok {
		return string(k)
	}
	s, ok := m[l]
	if !ok {
		s = m[English]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// supported maps l to a language of the catalogue (English otherwise).
func (l Lang) supported() Lang {
	base := strings.ToLower(string(l))
	if i := strings.IndexAny(base, "_-.@"); i >= 0 {
		base = base[:i]
	}
	for _, c := range Langs {
		if string(c) == base {
			return c
		}
	}
	return English
}

// DetectLang returns the customer's language: LC_ALL, LC_MESSAGES or LANG
// on Unix, the user's UI language on Windows; English when it is not one
// of Langs.
func DetectLang() Lang { return detectLang().supported() }

// langFromEnv applies the POSIX precedence LC_ALL > LC_MESSAGES > LANG;
// "C" and "POSIX" mean no language (English).
func langFromEnv(getenv func(string) string) Lang {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if s := getenv(v); s != "" {
			if s == "C" || s == "POSIX" || strings.HasPrefix(s, "C.") {
				return English
			}
			return Lang(s).supported()
		}
	}
	return English
}
