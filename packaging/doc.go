// Package packaging builds the per-download installer packages of the
// Tether agent (SPEC C3–C5, E3, G; NOTES "Packaging from Linux"). Fleet
// style: one options struct and one build function per package type, each
// streaming to an io.Writer so the site can build a package on every
// download. Everything runs on Linux without Apple's tools.
//
// Done:
//
//   - BuildBin: self-extracting Linux .bin (POSIX sh header + tar.gz +
//     SHA-256 trailer). `sh ./tether-{id}.bin --install-dir … [--user …]`
//     forwards every argument verbatim to `tether install`, and sets
//     TETHER_PACKAGE=bin so the installer uses the headless init-script.
//     makeself is not used: it only forwards options after `--`.
//   - BuildUniversal: a universal (fat) Mach-O from the darwin/amd64 and
//     darwin/arm64 agents; each slice keeps its own signature.
//   - BuildMacApp: the macOS support app, a zip of "Tether Support/" with
//     the unchanged "Tether Support.app" and the signed session config
//     beside it (internal/macapp: why there, and how the agent finds it).
//     NewMacAppBinary deflates the agent once per build for all downloads.
//   - BuildPkg: a flat .pkg for macOS jump clients, written with our own
//     xar, BOM and cpio writers (internal/xar, internal/bom,
//     internal/cpio); NewPkgPayload packs the agent once per build, and
//     per download only the scripts and the installer's config are added.
//   - BuildDeb, BuildRPM: Linux jump clients through nfpm v2.47.0 (v2.48
//     needs an rpm module the proxy refuses).
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
//   - Signing: the .pkg and the .app are unsigned here (no Developer ID
//     key, no rcodesign on this machine); see docs/PACKAGES.md.
package packaging
