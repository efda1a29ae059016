package installer

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tetherhq/tether/embedcfg"
)

func TestParseFlags(t *testing.T) {
	cases := []struct {
		args []string
		want Options
		err  error
	}{
		{nil, Options{}, nil},
		{[]string{"--install-dir", "/home/u/jc", "--user", "u", "--jc-tag", "x"},
			Options{InstallDir: "/home/u/jc", User: "u", Tag: "x"}, nil},
		{[]string{"--install-dir=/a b", "--jc-comments=web server, rack 4", "--silent"},
			Options{InstallDir: "/a b", Comments: "web server, rack 4", Silent: true}, nil},
		{[]string{"--jc-jump-group", "user:admin", "--jc-name", "db-01", "--mode", "user"},
			Options{JumpGroup: "user:admin", Name: "db-01", Mode: ModeUser}, nil},
		{[]string{"--jc-tag", "--silent"}, Options{Tag: "--silent"}, nil},   // a value is always the next word
		{[]string{"--jc-tag=a=b", "--jc-tag", "c"}, Options{Tag: "c"}, nil}, // last wins
		{[]string{"--silent=false"}, Options{}, nil},
		{[]string{"--jc-comments=", "--key-info", "K"}, Options{KeyInfo: "K"}, nil},
		{[]string{"--mode=user", "--mode="}, Options{}, nil}, // empty means unset (MSI)
		{[]string{"--jc-comments", "web", "server,", "rack", "4", "--jc-tag", "t"}, Options{Comments: "web server, rack 4", Tag: "t"}, nil},
		{[]string{"--jc-tag", "web", "server"}, Options{}, ErrUsage},
		{[]string{"--jc-tag"}, Options{}, ErrUsage},
		{[]string{"--mode", "daemon"}, Options{}, ErrUsage},
		{[]string{"--silent=maybe"}, Options{}, ErrUsage},
		{[]string{"--nope"}, Options{}, ErrUsage},
		{[]string{"-install-dir", "/x"}, Options{}, ErrUsage},
		{[]string{"--"}, Options{}, ErrUsage},
		{[]string{"--help"}, Options{}, ErrHelp},
	}
	for _, c := range cases {
		got, err := ParseFlags(c.args)
		if !errors.Is(err, c.err) || (c.err == nil && err != nil) {
			t.Errorf("ParseFlags(%q) error %v, want %v", c.args, err, c.err)
			continue
		}
		if c.err == nil && !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseFlags(%q) = %+v, want %+v", c.args, got, c.want)
		}
	}
}

func TestApplyConfig(t *testing.T) {
	exp := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
	o := Options{Tag: "from-flag"}
	o.ApplyConfig(&embedcfg.Config{
		Kind: embedcfg.KindInstaller, SiteURL: "https://s", InstallerID: "i1", KeyInfo: "k",
		JumpGroup: "team", Tag: "from-config", Comments: "c", Mode: "user", ExpiresAt: exp,
	})
	want := Options{Tag: "from-flag", JumpGroup: "team", Comments: "c", Mode: ModeUser,
		KeyInfo: "k", SiteURL: "https://s", InstallerID: "i1", ExpiresAt: exp}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("got %+v\nwant %+v", o, want)
	}
}

// flagOnly keeps the fields that flags can set (ParseFlags/Args compare).
func flagOnly(o Options) Options {
	return Options{InstallDir: o.InstallDir, JumpGroup: o.JumpGroup, Tag: o.Tag, Comments: o.Comments,
		Name: o.Name, Mode: o.Mode, User: o.User, Silent: o.Silent, Launcher: o.Launcher, KeyInfo: o.KeyInfo}
}

func FuzzParseFlags(f *testing.F) {
	f.Add("--install-dir\x00/home/u/jc\x00--user\x00u\x00--silent")
	f.Add("--jc-comments=a b c\x00--jc-tag\x00--mode\x00--mode=user")
	f.Add("--silent=0\x00--key-info=\x00x")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		o, err := ParseFlags(args)
		if err != nil {
			return
		}
		// Whatever parses must survive Args → ParseFlags unchanged.
		back, err := ParseFlags(o.Args())
		if err != nil {
			t.Fatalf("Args() = %q does not parse: %v", o.Args(), err)
		}
		if !reflect.DeepEqual(back, flagOnly(o)) {
			t.Fatalf("round trip changed %+v into %+v", o, back)
		}
	})
}

func TestMSIToFlags(t *testing.T) {
	cases := []struct {
		props []string
		want  []string
		err   bool
	}{
		{[]string{"KEY_INFO=abc", "jc_jump_group=user:admin", "jc_tag=servers"},
			[]string{"--key-info=abc", "--jc-jump-group=user:admin", "--jc-tag=servers"}, false},
		{[]string{"INSTALLDIR=C:\\Tether\\", "/quiet", "jc_comments=a b=c"},
			[]string{"--install-dir=C:\\Tether\\", "--silent", "--jc-comments=a b=c"}, false},
		{[]string{"JC_TAG=x", "installdir=D:\\t", "/QUIET", "mode=user", "user=bob", "jc_name=n"},
			[]string{"--jc-tag=x", "--install-dir=D:\\t", "--silent", "--mode=user", "--user=bob", "--jc-name=n"}, false},
		{[]string{"jc_tag=", "mode="}, []string{"--jc-tag=", "--mode="}, false}, // unset MSI properties expand to ""
		{[]string{"silent=1"}, nil, true},
		{[]string{"install_dir=x"}, nil, true}, // the exception is INSTALLDIR only
		{[]string{"jc-tag=x"}, nil, true},
		{[]string{"ALLUSERS=1"}, nil, true},
		{[]string{"jc_tag"}, nil, true},
	}
	for _, c := range cases {
		got, err := MSIToFlags(c.props)
		if (err != nil) != c.err || !slices.Equal(got, c.want) {
			t.Errorf("MSIToFlags(%q) = %q, %v; want %q (error %v)", c.props, got, err, c.want, c.err)
		}
	}
}

func TestFlagsToMSI(t *testing.T) {
	cases := []struct {
		args []string
		want []string
		err  bool
	}{
		{[]string{"--key-info", "abc", "--jc-jump-group=user:admin", "--jc-tag", "servers"},
			[]string{"KEY_INFO=abc", "jc_jump_group=user:admin", "jc_tag=servers"}, false},
		{[]string{"--silent", "--install-dir", `C:\T`, "--jc-comments", "a b"},
			[]string{`INSTALLDIR=C:\T`, "jc_comments=a b", "/quiet"}, false},
		{[]string{"--silent", "--silent=false"}, nil, false},
		{[]string{"--mode=service", "--user", "u", "--jc-name", "n"}, []string{"mode=service", "user=u", "jc_name=n"}, false},
		{[]string{"--jc-tag"}, nil, true},
		{[]string{"stray"}, nil, true},
		{[]string{"--bogus=1"}, nil, true},
	}
	for _, c := range cases {
		got, err := FlagsToMSI(c.args)
		if (err != nil) != c.err || !slices.Equal(got, c.want) {
			t.Errorf("FlagsToMSI(%q) = %q, %v; want %q (error %v)", c.args, got, err, c.want, c.err)
		}
	}
}

// FuzzMSIRoundTrip: flags → MSI → flags must mean the same Options, and a
// canonical property list must come back unchanged from props → flags → props.
func FuzzMSIRoundTrip(f *testing.F) {
	f.Add("--install-dir\x00/x y\x00--silent\x00--jc-tag=a=b", "KEY_INFO=k\x00jc_tag=t\x00/quiet")
	f.Add("--jc-comments=\x00--silent=false\x00--mode\x00user", "INSTALLDIR=C:\\a\\\x00user=u")
	f.Fuzz(func(t *testing.T, flags, props string) {
		args := strings.Split(flags, "\x00")
		if want, err := ParseFlags(args); err == nil {
			msi, err := FlagsToMSI(args)
			if err != nil {
				t.Fatalf("FlagsToMSI(%q): %v (ParseFlags accepted it)", args, err)
			}
			back, err := MSIToFlags(msi)
			if err != nil {
				t.Fatalf("MSIToFlags(%q): %v", msi, err)
			}
			got, err := ParseFlags(back)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%q → %q → %q gives %+v (%v), want %+v", args, msi, back, got, err, want)
			}
		}
		p := strings.Split(props, "\x00")
		fl, err := MSIToFlags(p)
		if err != nil {
			return
		}
		again, err := FlagsToMSI(fl)
		if err != nil {
			t.Fatalf("FlagsToMSI(%q): %v", fl, err)
		}
		fl2, err := MSIToFlags(again)
		if err != nil {
			t.Fatalf("%q → %q → %q: %v", p, fl, again, err)
		}
		if want, err := ParseFlags(fl); err == nil {
			got, err := ParseFlags(fl2)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%q → %q → %q → %q gives %+v (%v), want %+v", p, fl, again, fl2, got, err, want)
			}
		}
	})
}
