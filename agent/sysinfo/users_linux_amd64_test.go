package sysinfo

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/shirou/gopsutil/v4/common"
)

// utmpRecord is one glibc x86-64 struct utmp (384 bytes).
func utmpRecord(typ int16, user, line, host string, since time.Time) []byte {
	b := make([]byte, 384)
	binary.LittleEndian.PutUint16(b[0:], uint16(typ))
	binary.LittleEndian.PutUint32(b[4:], 4242) // pid
	copy(b[8:40], line)
	copy(b[44:76], user)
	copy(b[76:332], host)
	binary.LittleEndian.PutUint32(b[340:], uint32(since.Unix()))
	return b
}

// TestUsersFromUtmp feeds Collect a utmp file (gopsutil reads
// $HOST_VAR/run/utmp, settable through the context) with two logins and
// records that are not logins.
func TestUsersFromUtmp(t *testing.T) {
	const (
		bootTime    = 2
		userProcess = 7
		deadProcess = 8
	)
	since := time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	var utmp []byte
	utmp = append(utmp, utmpRecord(bootTime, "reboot", "~", "6.1.0", since)...)
	utmp = append(utmp, utmpRecord(userProcess, "alice", "tty1", "", since)...)
	utmp = append(utmp, utmpRecord(deadProcess, "gone", "pts/1", "", since)...)
	utmp = append(utmp, utmpRecord(userProcess, "bob", "pts/0", "10.0.0.7", since.Add(time.Hour))...)
	if err := os.WriteFile(filepath.Join(dir, "run", "utmp"), utmp, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostVarEnvKey: dir})

	got, err := users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []User{
		{Name: "alice", Terminal: "tty1", Since: since},
		{Name: "bob", Terminal: "pts/0", Host: "10.0.0.7", Since: since.Add(time.Hour)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("users = %+v\nwant %+v", got, want)
	}

	// Without a utmp file there is nobody logged in, and no error.
	ctx = context.WithValue(t.Context(), common.EnvKey, common.EnvMap{common.HostVarEnvKey: t.TempDir()})
	if got, err := users(ctx); err != nil || got == nil || len(got) != 0 {
		t.Errorf("no utmp: users = %#v, %v; want an empty list", got, err)
	}
}
