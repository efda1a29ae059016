package installer

import (
	"fmt"
	"strings"
)

// MSI property names that do not follow the C4 rule.
const (
	msiInstallDir = "INSTALLDIR" // --install-dir (Windows Installer's own convention)
	msiKeyInfo    = "KEY_INFO"   // --key-info (upper case: a public property)
	msiQuiet      = "/quiet"     // --silent (an msiexec switch, not a property)
)

// msiName maps a flag name to its MSI property name (SPEC C4): drop the
// leading dashes, turn the other dashes into underscores.
func msiName(flag string) string {
	switch flag {
	case "install-dir":
		return msiInstallDir
	case "key-info":
		return msiKeyInfo
	}
	return strings.ReplaceAll(flag, "-", "_")
}

// flagForMSI is the inverse of msiName. Property names are matched
// case-insensitively because msiexec admins often upper-case them (only
// upper-case properties reach deferred custom actions).
func flagForMSI(prop string) (flagSpec, bool) {
	switch strings.ToUpper(prop) {
	case msiInstallDir:
		return lookupFlag("install-dir")
	case msiKeyInfo:
		return lookupFlag("key-info")
	}
	name := strings.ToLower(prop)
	if strings.Contains(name, "-") {
		return flagSpec{}, false
	}
	f, ok := lookupFlag(strings.ReplaceAll(name, "_", "-"))
	// install_dir / key_info are not aliases of the exceptions.
	if !ok || !strings.EqualFold(msiName(f.name), prop) {
		return flagSpec{}, false
	}
	return f, true
}

// MSIToFlags converts msiexec properties (`jc_tag=servers`, `INSTALLDIR=…`,
// `KEY_INFO=…`, `/quiet`) into installer flags in canonical `--flag=value`
// form. The MSI's custom action passes its properties through this so the
// exe and the MSI accept exactly the same settings. Empty values are kept
// (an MSI expands an unset property to "", which the flags treat as unset)
// so that a later empty property still overrides an earlier one.
func MSIToFlags(props []string) ([]string, error) {
	var out []string
	for _, p := range props {
		if strings.EqualFold(p, msiQuiet) {
			out = append(out, "--silent")
			continue
		}
		name, val, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("%w: MSI property %q is not NAME=VALUE", ErrUsage, p)
		}
		f, known := flagForMSI(name)
		if !known {
			return nil, fmt.Errorf("%w: unknown MSI property %q", ErrUsage, name)
		}
		if f.isBool {
			// --silent is spelled /quiet on msiexec (C4); a silent=1 property
			// would be a second spelling of the same thing.
			return nil, fmt.Errorf("%w: use /quiet instead of %s", ErrUsage, name)
		}
		out = append(out, "--"+f.name+"="+val)
	}
	return out, nil
}

// FlagsToMSI converts installer flags into msiexec arguments (C4): what an
// admin types for the MSI when the docs show the exe flags, and what the
// console prints as the MSI command line for an installer.
func FlagsToMSI(args []string) ([]string, error) {
	var out []string
	var o Options // only Silent is used: the last --silent[=bool] wins, as in ParseFlags
	err := scanFlags(args, func(f flagSpec, val string) error {
		if f.isBool {
			return f.set(&o, val)
		}
		out = append(out, msiName(f.name)+"="+val)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if o.Silent {
		out = append(out, msiQuiet)
	}
	return out, nil
}
