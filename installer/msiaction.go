package installer

import (
	"errors"
	"fmt"
	"strings"
)

// The MSI (packaging/msi.go) installs the signed agent into a staging
// folder and runs it through its custom-action DLL (packaging/msica) as
//
//	"<staged tether.exe>" msi "<action data>"
//
// where the action data is a formatted string Windows Installer expands at
// install time (MSIActionTemplate): a fixed list of `|NAME=value` fields,
// first the action's own (what to do, as whom, which package), then every
// public property of the C4 mapping. The order is fixed so that a value
// may contain anything, including '|', except the next field's marker.

// MSI actions and the accounts they run as.
const (
	MSIInstall   = "install"
	MSIUninstall = "uninstall"
	MSIRollback  = "rollback"

	// MSIAsSystem is the action run as LocalSystem (service mode), MSIAsUser
	// the one impersonating the installing user (user mode: HKCU and the
	// user's profile are theirs). Both run; each does only its mode's work.
	MSIAsSystem = "system"
	MSIAsUser   = "user"
)

// msiHeader are the action's own fields, in order, with the Windows
// Installer expressions they are formatted from ("" for literals).
var msiHeader = []struct{ name, expr string }{
	{"VERB", ""},
	{"AS", ""},
	{"PRODUCT", "[ProductCode]"},
	{"DATABASE", "[OriginalDatabase]"},
	// 2 is INSTALLUILEVEL_NONE: msiexec /quiet (or /qn), which C4 maps
	// to --silent.
	{"UILEVEL", "[UILevel]"},
}

// MSIProperties lists the public (upper-case) MSI properties of the
// installer flags, by the C4 rule (msiName), in flag order. The MSI
// declares each, lets a lower-case spelling set it, and hands all of them
// to the agent. --silent has none: it is msiexec's /quiet.
func MSIProperties() []string {
	var out []string
	for _, f := range flagSpecs {
		if !f.isBool {
			out = append(out, strings.ToUpper(msiName(f.name)))
		}
	}
	return out
}

// MSIActionTemplate is the action data the MSI formats for verb, run as
// as: "VERB=install|AS=system|PRODUCT=[ProductCode]|…|JC_TAG=[JC_TAG]|".
func MSIActionTemplate(verb, as string) string {
	var b strings.Builder
	for _, h := range msiHeader {
		v := h.expr
		switch h.name {
		case "VERB":
			v = verb
		case "AS":
			v = as
		}
		b.WriteString(h.name + "=" + v + "|")
	}
	for _, p := range MSIProperties() {
		b.WriteString(p + "=[" + p + "]|")
	}
	return b.String()
}

// MSIAction is parsed action data.
type MSIAction struct {
	Verb     string
	As       string
	Product  string // the MSI's ProductCode
	Database string // path of the MSI being installed
	Silent   bool   // msiexec /quiet
	// Props are the C4 properties as NAME=value, in MSIProperties order
	// (unset ones expand to an empty value).
	Props []string
}

// ErrMSIAction means the action data is not what the MSI formats.
var ErrMSIAction = errors.New("malformed MSI action data")

// ParseMSIAction parses action data formatted from MSIActionTemplate.
// Fields are found in their fixed order: a value ends where the next
// field's "|NAME=" begins, so it may contain '|' and '='.
func ParseMSIAction(data string) (*MSIAction, error) {
	names := make([]string, 0, len(msiHeader)+len(flagSpecs))
	for _, h := range msiHeader {
		names = append(names, h.name)
	}
	names = append(names, MSIProperties()...)
	if !strings.HasPrefix(data, names[0]+"=") || !strings.HasSuffix(data, "|") {
		return nil, fmt.Errorf("%w: %.40q", ErrMSIAction, data)
	}
	rest := data[len(names[0])+1:]
	values := make([]string, len(names))
	for i := range names {
		end := len(rest) - 1 // the final '|'
		if i+1 < len(names) {
			end = strings.Index(rest, "|"+names[i+1]+"=")
			if end < 0 {
				return nil, fmt.Errorf("%w: no %s field", ErrMSIAction, names[i+1])
			}
		}
		values[i] = rest[:end]
		if i+1 < len(names) {
			rest = rest[end+len(names[i+1])+2:]
		}
	}
	a := &MSIAction{Verb: values[0], As: values[1], Product: values[2], Database: values[3], Silent: values[4] == "2"}
	switch a.Verb {
	case MSIInstall, MSIUninstall, MSIRollback:
	default:
		return nil, fmt.Errorf("%w: action %q", ErrMSIAction, a.Verb)
	}
	if a.As != MSIAsSystem && a.As != MSIAsUser {
		return nil, fmt.Errorf("%w: account %q", ErrMSIAction, a.As)
	}
	for i, p := range names[len(msiHeader):] {
		a.Props = append(a.Props, p+"="+values[len(msiHeader)+i])
	}
	return a, nil
}

// Flags converts the properties into installer flags (MSIToFlags: the
// same rules as `tether install KEY=value …`), with --silent for /quiet.
func (a *MSIAction) Flags() ([]string, error) {
	props := a.Props
	if a.Silent {
		props = append(props[:len(props):len(props)], msiQuiet)
	}
	return MSIToFlags(props)
}

// Handles reports whether the action run as a.As does the install of
// mode: the LocalSystem action does service mode, the user's user mode.
func (a *MSIAction) Handles(mode Mode) bool {
	if mode == ModeUser {
		return a.As == MSIAsUser
	}
	return a.As == MSIAsSystem
}

// MSIMessage rewrites an installer error for an MSI log: the flags it
// names become the MSI properties an admin typed (--jc-name → JC_NAME).
func MSIMessage(err error) string {
	msg := err.Error()
	for _, f := range flagSpecs {
		prop := strings.ToUpper(msiName(f.name))
		if f.isBool {
			prop = msiQuiet
		}
		msg = replaceFlag(msg, "--"+f.name, prop)
	}
	return msg
}

// replaceFlag replaces flag in msg where it is a whole word.
func replaceFlag(msg, flag, prop string) string {
	var b strings.Builder
	for {
		i := strings.Index(msg, flag)
		if i < 0 {
			b.WriteString(msg)
			return b.String()
		}
		end := i + len(flag)
		if end < len(msg) && (msg[end] == '-' || msg[end] >= 'a' && msg[end] <= 'z') {
			b.WriteString(msg[:end])
		} else {
			b.WriteString(msg[:i] + prop)
		}
		msg = msg[end:]
	}
}
