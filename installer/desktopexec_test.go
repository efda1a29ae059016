package installer

import (
	"slices"
	"testing"
)

func TestDesktopExecArgsRoundTrip(t *testing.T) {
	for _, argv := range [][]string{
		{"/usr/bin/tether", "support", "--rejoin"},
		{`/home/a b/Downloads/tether "x" 100%$HOME` + "`id`", "--state-dir", `/tmp/c:\d e`},
		{"/x", ""},
		{"/é/ü", "tab\there", "nl\nthere"},
	} {
		got, err := DesktopExecArgs(desktopExec(argv))
		if err != nil || !slices.Equal(got, argv) {
			t.Errorf("DesktopExecArgs(desktopExec(%q)) = %q, %v", argv, got, err)
		}
	}
	for _, bad := range []string{"", `"/x`, "/x %f", `/x \q`} {
		if got, err := DesktopExecArgs(bad); err == nil {
			t.Errorf("DesktopExecArgs(%q) = %q, want an error", bad, got)
		}
	}
	if got, _ := DesktopExecArgs(`/usr/bin/foo  bar\sbaz`); !slices.Equal(got, []string{"/usr/bin/foo", "bar", "baz"}) {
		t.Errorf("unquoted words: %q", got)
	}
}

func FuzzDesktopExecArgs(f *testing.F) {
	f.Add("/a b", "c\"d", "%$`\\")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		argv := []string{"/" + a, b, c}
		got, err := DesktopExecArgs(desktopExec(argv))
		if err != nil || !slices.Equal(got, argv) {
			t.Fatalf("round trip of %q: %q, %v", argv, got, err)
		}
	})
}
