// Package packaging builds the per-download installer packages of the
// Tether agent (SPEC C3–C5, NOTES "Packaging from Linux"). Fleet style: one
// options struct and one build function per package type, each streaming
// to an io.Writer so the site can build a package on every download.
//
// Done:
//
//   - BuildBin: self-extracting Linux .bin (POSIX sh header + tar.gz +
//     SHA-256 trailer). `sh ./tether-{id}.bin --install-dir … [--user …]`
//     forwards every argument verbatim to `tether install`, and sets
//     TETHER_PACKAGE=bin so the installer uses the headless init-script.
//     makeself is not used: it only forwards options after `--`.
//
// Later work (not built yet):
//
//   - MSI (Windows): Debian wixl (msitools 0.101) from a .wxs template.
//     Components need Win64="yes"; sequencing needs explicit Sequence=
//     numbers (Before/After is wrong in wixl); no util:ServiceConfig, no
//     RemoveFile, no UI. A deferred CustomAction (FileKey + ExeCommand)
//     runs `tether.exe install` with the properties mapped by
//     installer.MSIToFlags; write "[INSTALLDIR]\" in ExeCommand because a
//     bare trailing backslash escapes the quote. KEY_INFO carries the
//     installer key since the MSI itself cannot be re-signed per download;
//     Secure properties must be patched into SecureCustomProperties with
//     msibuild afterwards. Verify with `msiinfo export`, run under Wine
//     with `wine msiexec /i x.msi /quiet KEY_INFO=…`.
//   - macOS flat .pkg: `bsdtar --format xar` (libarchive-tools) over a
//     payload-free component (PackageInfo + Scripts cpio.gz carrying the
//     binary and a postinstall that runs `tether install`); no Bom needed.
//     No Go xar writer is available from the module proxy; verify with
//     blacktop/go-macho's xar reader.
//   - deb/rpm: goreleaser/nfpm v2.47.0 as a library (v2.48 needs a refused
//     rpm module). Postinstall runs `tether install --mode service`; check
//     with `dpkg-deb -I` and `rpm -qip`.
package packaging
