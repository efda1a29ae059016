package installer

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// format expands a template the way Windows Installer does: [NAME] is the
// property's value, unset ones are empty.
func format(tmpl string, props map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '[')
		j := strings.IndexByte(tmpl, ']')
		if i < 0 || j < i {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		b.WriteString(props[tmpl[i+1:j]])
		tmpl = tmpl[j+1:]
	}
}

func TestMSIProperties(t *testing.T) {
	want := []string{"INSTALLDIR", "JC_JUMP_GROUP", "JC_TAG", "JC_COMMENTS", "JC_NAME", "USER", "KEY_INFO", "STATE_DIR", "MODE", "LAUNCHER"}
	if got := MSIProperties(); !slices.Equal(got, want) {
		t.Fatalf("MSIProperties() = %q, want %q", got, want)
	}
}

func TestParseMSIAction(t *testing.T) {
	tmpl := MSIActionTemplate(MSIInstall, MSIAsSystem)
	if !strings.HasPrefix(tmpl, "VERB=install|AS=system|PRODUCT=[ProductCode]|DATABASE=[OriginalDatabase]|UILEVEL=[UILevel]|INSTALLDIR=[INSTALLDIR]|") ||
		!strings.HasSuffix(tmpl, "|LAUNCHER=[LAUNCHER]|") {
		t.Fatalf("template %q", tmpl)
	}
	props := map[string]string{
		"ProductCode": "{P}", "OriginalDatabase": `C:\Users\a b\tether-x.msi`, "UILevel": "2",
		"INSTALLDIR": `C:\Tether\`, "JC_TAG": `a|b=c "q" \`, "JC_COMMENTS": "rack 4|JC_NAME", "MODE": "service",
	}
	a, err := ParseMSIAction(format(tmpl, props))
	if err != nil {
		t.Fatal(err)
	}
	if a.Verb != MSIInstall || a.As != MSIAsSystem || a.Product != "{P}" || a.Database != props["OriginalDatabase"] || !a.Silent {
		t.Fatalf("parsed %+v", a)
	}
	flags, err := a.Flags()
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseFlags(flags)
	if err != nil {
		t.Fatal(err)
	}
	want := Options{InstallDir: `C:\Tether\`, Tag: props["JC_TAG"], Comments: props["JC_COMMENTS"], Mode: ModeService, Silent: true}
	if !reflect.DeepEqual(o, want) {
		t.Fatalf("options %+v, want %+v", o, want)
	}
	// Basic UI (3) or full UI (5) is not /quiet.
	props["UILevel"] = "5"
	if a, _ := ParseMSIAction(format(tmpl, props)); a.Silent {
		t.Error("UILevel 5 taken for /quiet")
	}
	for _, bad := range []string{"", "VERB=install", "VERB=install|", "VERB=explode|AS=system|" + tmpl[len("VERB=install|AS=system|"):],
		strings.Replace(format(tmpl, props), "AS=system", "AS=root", 1), strings.Replace(format(tmpl, props), "|MODE=", "|MOOD=", 1)} {
		if _, err := ParseMSIAction(bad); err == nil {
			t.Errorf("ParseMSIAction(%.60q) accepted", bad)
		}
	}
}

func TestMSIActionHandles(t *testing.T) {
	sys, user := &MSIAction{As: MSIAsSystem}, &MSIAction{As: MSIAsUser}
	if !sys.Handles(ModeService) || sys.Handles(ModeUser) || user.Handles(ModeService) || !user.Handles(ModeUser) {
		t.Fatal("each action must handle exactly its own mode")
	}
}

func TestMSIMessage(t *testing.T) {
	err := Validate(Options{Name: strings.Repeat("n", 200), InstallDir: "/nonexistent/x"}, SystemEnv())
	got := MSIMessage(err)
	if !strings.Contains(got, "JC_NAME is 200 characters; at most 128 are allowed") {
		t.Fatalf("MSIMessage = %q", got)
	}
	for in, want := range map[string]string{
		"--jc-jump-group x and --jc-tag":  "JC_JUMP_GROUP x and JC_TAG",
		"--install-dir C:\\x exists":      "INSTALLDIR C:\\x exists",
		"use --silent, not --silently":    "use /quiet, not --silently",
		"--mode must be service or user.": "MODE must be service or user.",
	} {
		if got := MSIMessage(errString(in)); got != want {
			t.Errorf("MSIMessage(%q) = %q, want %q", in, got, want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// FuzzParseMSIAction: any data either fails or parses into properties that
// format back into the same data (the fields' order makes it unambiguous
// unless a value holds the next field's marker, which the parser then
// takes as the boundary, consistently).
func FuzzParseMSIAction(f *testing.F) {
	f.Add(format(MSIActionTemplate(MSIInstall, MSIAsSystem), map[string]string{"JC_TAG": "x|y", "UILevel": "2"}))
	f.Add(format(MSIActionTemplate(MSIUninstall, MSIAsUser), nil))
	f.Add("VERB=rollback|AS=user|")
	f.Fuzz(func(t *testing.T, data string) {
		a, err := ParseMSIAction(data)
		if err != nil {
			return
		}
		props := map[string]string{"ProductCode": a.Product, "OriginalDatabase": a.Database}
		if a.Silent {
			props["UILevel"] = "2"
		}
		for _, p := range a.Props {
			name, val, _ := strings.Cut(p, "=")
			props[name] = val
		}
		again, err := ParseMSIAction(format(MSIActionTemplate(a.Verb, a.As), props))
		if err != nil {
			t.Fatalf("re-formatted data does not parse: %v", err)
		}
		if !slices.Equal(again.Props, a.Props) || again.Product != a.Product || again.Database != a.Database {
			t.Fatalf("round trip changed %+v into %+v", a, again)
		}
		_, _ = a.Flags()
	})
}
