// What an admin pastes on the target computer to install a jump client,
// per platform and package, and the platform to preselect for this browser.

// installLine returns the command for an installer's download URL. For a
// root install on Linux the account the jump client runs as must be named
// (C3: --user); USER stands for it.
export function installLine(platform, url, mode) {
  const q = (s) => "'" + s.replaceAll("'", "'\\''") + "'";
  const file = decodeURIComponent(url.split("/").slice(-2, -1)[0] || "tether");
  if (platform.startsWith("linux-")) {
    const bin = `tether-${file}.bin`;
    return `curl -fsSLo ${bin} ${q(url)} && sudo sh ./${bin} --user USER --install-dir /opt/tether-${file}`;
  }
  if (platform.startsWith("windows-")) {
    const exe = `tether-${file}.exe`;
    return `powershell -c "Invoke-WebRequest '${url}' -OutFile ${exe}; .\\${exe} install --silent${mode === "user" ? " --mode user" : ""}"`;
  }
  if (platform.startsWith("darwin-")) {
    return `curl -fsSLo tether ${q(url)} && chmod +x tether && ${mode === "user" ? "" : "sudo "}./tether install${mode === "user" ? " --mode user" : ""}`;
  }
  return url;
}

// browserPlatform picks, among the site's platforms, the one of the
// computer this browser runs on.
export function browserPlatform(platforms) {
  const ua = (navigator.userAgentData?.platform || navigator.platform || navigator.userAgent || "").toLowerCase();
  const arm = /arm|aarch64/.test(navigator.userAgent.toLowerCase());
  const os = ua.includes("win") ? "windows" : ua.includes("mac") ? "darwin" : "linux";
  const want = `${os}-${arm ? "arm64" : "amd64"}`;
  return platforms.includes(want) ? want : platforms.find((p) => p.startsWith(os + "-")) || platforms[0];
}
