package installer

import (
	"bytes"
	"embed"
	"encoding/xml"
	"fmt"
	"path/filepath"
	"strings"
	"text/template"
)

// All files the installer generates come from templates/ so they can be
// reviewed (and golden-tested) in one place. The kardianos/service unit
// files are the exception: that library renders its own.
//
//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"shq":         shellQuote,
	"xml":         xmlEscape,
	"systemdExec": systemdExec,
	"desktopExec": desktopExec,
}).ParseFS(templateFS, "templates/*.tmpl"))

// Template names.
const (
	tmplInitScript   = "init-script.sh.tmpl"
	tmplUninstall    = "uninstall.sh.tmpl"
	tmplSystemdUser  = "systemd-user.service.tmpl"
	tmplDesktop      = "autostart.desktop.tmpl"
	tmplLaunchAgent  = "launchagent.plist.tmpl"
	tmplRootLauncher = "root-launcher.sh.tmpl"
	// One-shot logon entries (oneshot.go): only ID and Command are set.
	tmplRejoinDesktop = "rejoin.desktop.tmpl"
	tmplRejoinUnit    = "rejoin.service.tmpl"
)

// fileData is what every template sees.
type fileData struct {
	ID         string
	Dir        string
	RunAs      string   // account name the agent runs as
	InitScript string   // DIR/init-script
	LogFile    string   // DIR/tether.log
	StateDir   string   // the agent's state: DIR/state unless --state-dir
	Label      string   // launchd label
	Command    []string // agent argv: DIR/tether service run --state-dir DIR/state
	// StartCommand is what login autostart entries run (XDG, Run key):
	// `service start` starts the agent detached with DIR/tether.pid, so
	// `tether service status|stop` find it and a second login does not
	// start a second agent.
	StartCommand []string
	// RootLauncher and RootRecord are root's own files when root installed
	// for a --user (rootside.go); empty otherwise.
	RootLauncher string
	RootRecord   string
}

func newFileData(dir, id, runAs, binary string) fileData {
	return newFileDataState(dir, id, runAs, binary, filepath.Join(dir, "state"))
}

func newFileDataState(dir, id, runAs, binary, state string) fileData {
	return fileData{
		ID:           id,
		Dir:          dir,
		RunAs:        runAs,
		InitScript:   filepath.Join(dir, "init-script"),
		LogFile:      filepath.Join(dir, "tether.log"),
		Label:        launchdLabel(id),
		StateDir:     state,
		Command:      AgentCommand(filepath.Join(dir, binary), state),
		StartCommand: []string{filepath.Join(dir, binary), "service", "start"},
	}
}

// AgentCommand is the argv of an installed jump client (persistent mode).
func AgentCommand(binary, stateDir string) []string {
	return []string{binary, "service", "run", "--state-dir", stateDir}
}

func render(name string, d fileData) ([]byte, error) {
	var b bytes.Buffer
	if err := templates.ExecuteTemplate(&b, name, d); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// shellQuote quotes s for POSIX sh: wrap it in single quotes and write each
// embedded single quote as quote, backslash, quote, quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func xmlEscape(s string) (string, error) {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		return "", err
	}
	return b.String(), nil
}

// systemdExec renders argv for ExecStart=: every word double-quoted with
// C-style escapes, and % and $ doubled because systemd expands specifiers
// and variables even inside quotes.
func systemdExec(argv []string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%", "$", "$$")
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = `"` + r.Replace(a) + `"`
	}
	return strings.Join(words, " ")
}

// desktopExec renders argv for a .desktop Exec= key. The Desktop Entry
// spec quotes arguments in double quotes with \ before " ` $ \, and then
// the whole value is a string whose own \ escapes apply, so backslashes
// are doubled again; % starts a field code and is written %%.
func desktopExec(argv []string) string {
	inner := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "`", "\\`", "$", `\$`)
	words := make([]string, len(argv))
	for i, a := range argv {
		q := `"` + inner.Replace(a) + `"`
		q = strings.ReplaceAll(q, `\`, `\\`)
		words[i] = strings.ReplaceAll(q, "%", "%%")
	}
	return strings.Join(words, " ")
}
