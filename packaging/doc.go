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
//   - BuildMSI (build time): the template MSI of a signed Windows agent,
//     with wixl from msi.wxs.tmpl, msibuild for what wixl cannot, and the
//     custom-action DLL (msica/tetherca.c, MinGW-w64) that runs the staged
//     agent's `tether msi` step and copies its output into the MSI log.
//     The site stamps each installer's record into the template's
//     signature blob per download (embedcfg.InspectMSI); docs/PACKAGES.md.
//   - Signer (build time): Authenticode with osslsigncode, always with the
//     reserved blob, with the publisher's certificate from the environment
//     or a development certificate (EnsureDevCert).
//
// Not done: signing the .pkg and the .app (no Developer ID key, no
// rcodesign on this machine); see docs/PACKAGES.md.
package packaging
