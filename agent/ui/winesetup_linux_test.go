package ui

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// A minimal Wine setup for running Go Windows test binaries, kept apart so
// that a shared helper (scripts/wine.sh, being written elsewhere) can
// replace it: a prefix and the ProcessPrng shim that Go 1.22+ executables
// need and Wine 8 lacks (see /work/shared/NOTES.md, "Windows under Wine").

const envRequireWine = "TETHER_REQUIRE_WINE"

// requireTool skips tb when a program is missing, unless
// TETHER_REQUIRE_WINE=1 makes that a failure (CI).
func requireTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(envRequireWine) == "1" {
			tb.Fatalf("%s not found and %s=1: %v", name, envRequireWine, err)
		}
		tb.Skipf("%s not installed (set %s=1 to fail instead): %v", name, envRequireWine, err)
	}
	return p
}

// wineEnv is the environment for wine commands in prefix on display.
func wineEnv(prefix, display string, extra ...string) []string {
	env := append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "DISPLAY="+display,
		"WINEARCH=win64", "WINEDLLOVERRIDES=mscoree,mshtml=")
	return append(env, extra...)
}

// winePrefix returns a Wine prefix with the ProcessPrng shim: the one in
// TETHER_WINEPREFIX (made once, reused: wineboot takes 10-20 s), else a new
// one for this test whose wineserver is stopped at the end.
func winePrefix(t *testing.T, display string) string {
	t.Helper()
	prefix := os.Getenv("TETHER_WINEPREFIX")
	if prefix == "" {
		prefix = filepath.Join(t.TempDir(), "wineprefix")
		t.Cleanup(func() {
			kill := exec.Command("wineserver", "-k")
			kill.Env = wineEnv(prefix, display)
			_ = kill.Run()
		})
	}
	if _, err := os.Stat(filepath.Join(prefix, "system.reg")); err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		boot := exec.CommandContext(ctx, "wine", "wineboot", "-i")
		boot.Env = wineEnv(prefix, display)
		if out, err := boot.CombinedOutput(); err != nil {
			t.Fatalf("wineboot: %v\n%s", err, out)
		}
		// wineboot returns before the registry is written out.
		wait := exec.CommandContext(ctx, "wineserver", "-w")
		wait.Env = wineEnv(prefix, display)
		_ = wait.Run()
	}
	installPrngShim(t, prefix)
	installWineFonts(prefix)
	return prefix
}

// installWineFonts copies Wine's own fonts (Debian: fonts-wine) into the
// prefix when present: Debian's Wine 8 does not look where that package
// puts them, and without Marlett the title bar buttons show letters.
func installWineFonts(prefix string) {
	dst := filepath.Join(prefix, "drive_c", "windows", "Fonts")
	ttfs, _ := filepath.Glob("/usr/share/wine/fonts/*.ttf")
	for _, src := range ttfs {
		d := filepath.Join(dst, filepath.Base(src))
		if _, err := os.Stat(d); err == nil {
			continue
		}
		if b, err := os.ReadFile(src); err == nil {
			_ = os.WriteFile(d, b, 0o644)
		}
	}
}

// installPrngShim builds bcryptprimitives.dll exporting ProcessPrng (which
// Go's runtime calls for random bytes) on top of RtlGenRandom, and puts it
// into the prefix's system32.
func installPrngShim(t *testing.T, prefix string) {
	t.Helper()
	dst := filepath.Join(prefix, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	if b, err := os.ReadFile(dst); err == nil && bytes.Contains(b, []byte("ProcessPrng")) {
		return
	}
	gcc := requireTool(t, "x86_64-w64-mingw32-gcc")
	dir := t.TempDir()
	src := `#include <windows.h>
BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
	while (len > 0) {
		ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!SystemFunction036(data, n)) return FALSE;
		data += n; len -= n;
	}
	return TRUE;
}
`
	if err := os.WriteFile(filepath.Join(dir, "bcp.c"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bcp.def"), []byte("EXPORTS\nProcessPrng\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cc := exec.Command(gcc, "-shared", "-O2", "-o", "bcryptprimitives.dll", "bcp.c", "bcp.def", "-ladvapi32")
	cc.Dir = dir
	if out, err := cc.CombinedOutput(); err != nil {
		t.Fatalf("build ProcessPrng shim: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "bcryptprimitives.dll"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildWindowsTest cross-compiles this package's tests into an .exe.
func buildWindowsTest(t *testing.T) string {
	t.Helper()
	goBin := requireTool(t, "go")
	exe := filepath.Join(t.TempDir(), "ui.test.exe")
	cmd := exec.Command(goBin, "test", "-c", "-o", exe, ".")
	cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -c for windows: %v\n%s", err, out)
	}
	return exe
}
