package sysinfo

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// gopsutil has no login sessions on Windows; the Terminal Services API
// (wtsapi32) lists them, including the console and RDP sessions.

// WTS_INFO_CLASS values (wtsapi32.h).
const (
	wtsWinStationName = 6
	wtsUserName       = 5
	wtsSessionInfo    = 24
)

// Offsets in WTSINFOW: eight DWORDs, WinStationName[32], Domain[17],
// UserName[21] (UTF-16), then five 8-byte-aligned LARGE_INTEGERs:
// ConnectTime, DisconnectTime, LastInputTime, LogonTime, CurrentTime.
const (
	wtsInfoLogonTime = 176 + 3*8
	wtsInfoMinSize   = wtsInfoLogonTime + 8
)

func users(ctx context.Context) ([]User, error) {
	wtsapi := windows.NewLazySystemDLL("wtsapi32.dll")
	query := wtsapi.NewProc("WTSQuerySessionInformationW")
	if err := query.Find(); err != nil {
		return nil, err
	}
	var sessions *windows.WTS_SESSION_INFO
	var count uint32
	if err := windows.WTSEnumerateSessions(0, 0, 1, &sessions, &count); err != nil {
		return nil, fmt.Errorf("WTSEnumerateSessions: %w", err)
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(sessions)))
	out := []User{}
	for _, s := range unsafe.Slice(sessions, count) {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		name := wtsString(query, s.SessionID, wtsUserName)
		if name == "" {
			continue // services session, listeners, disconnected and logged off
		}
		u := User{Name: name, Terminal: wtsString(query, s.SessionID, wtsWinStationName)}
		if b := wtsBytes(query, s.SessionID, wtsSessionInfo); len(b) >= wtsInfoMinSize {
			if ft := int64(binary.LittleEndian.Uint64(b[wtsInfoLogonTime:])); ft > 0 {
				u.Since = time.Unix(0, (ft-116444736000000000)*100).UTC() // FILETIME epoch 1601
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// wtsBytes returns a copy of one session attribute, nil when unavailable.
func wtsBytes(query *windows.LazyProc, session uint32, class uintptr) []byte {
	var buf *byte
	var n uint32
	r, _, _ := query.Call(0 /* WTS_CURRENT_SERVER_HANDLE */, uintptr(session), class,
		uintptr(unsafe.Pointer(&buf)), uintptr(unsafe.Pointer(&n)))
	if r == 0 || buf == nil {
		return nil
	}
	defer windows.WTSFreeMemory(uintptr(unsafe.Pointer(buf)))
	return append([]byte(nil), unsafe.Slice(buf, n)...)
}

func wtsString(query *windows.LazyProc, session uint32, class uintptr) string {
	b := wtsBytes(query, session, class)
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return windows.UTF16ToString(u)
}
