//go:build unix

package shell

import (
	"bufio"
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"
)

// LookupUser finds an account by name in the user database, with its
// supplementary groups and login shell.
func LookupUser(name string) (*User, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("shell: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("shell: user %s: ids %q/%q not numeric", name, u.Uid, u.Gid)
	}
	out := &User{Name: u.Username, UID: uint32(uid), GID: uint32(gid), Home: u.HomeDir,
		Shell: passwdShell(uint32(uid))}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("shell: groups of %s: %w", name, err)
	}
	for _, g := range gids {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			out.Groups = append(out.Groups, uint32(n))
		}
	}
	return out, nil
}

// passwdShell is the login shell of uid in /etc/passwd ("" if not found;
// os/user does not report shells). Directory services (LDAP, sssd) are
// not consulted; $SHELL or /bin/sh is used then.
func passwdShell(uid uint32) string {
	f, err := os.Open("/etc/passwd")
	if err != nil {
		return ""
	}
	defer f.Close()
	want := strconv.FormatUint(uint64(uid), 10)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if len(fields) == 7 && fields[2] == want {
			return fields[6]
		}
	}
	return ""
}

// currentUser describes the agent's own account.
func currentUser() *User {
	u := &User{UID: uint32(os.Geteuid()), GID: uint32(os.Getegid())}
	if cu, err := user.Current(); err == nil {
		u.Name, u.Home = cu.Username, cu.HomeDir
	}
	u.Shell = passwdShell(u.UID)
	return u
}
