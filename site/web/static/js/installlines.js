// What an admin pastes on the target computer to install a jump client,
// per platform and package, and the platform to preselect for this browser.

// shq quotes for POSIX sh.
const shq = (s) => "'" + s.replaceAll("'", "'\\''") + "'";

// msiq quotes an msiexec property value (C4): in double quotes when it has
// spaces or quotes, a quote written twice.
const msiq = (s) => (/[\s"]/.test(s) ? '"' + s.replaceAll('"', '""') + '"' : s);

// installLine returns the command for an installer's download (answer of
// POST /installers: platform, package, download_url, file_name, mode) and
// the form's tag and jump group. For a root install on Linux the account
// the jump client runs as must be named (C3: --user); USER stands for it.
// The settings are in the download already; the MSI line repeats the tag
// and group as properties so an admin sees where to change them (C4).
export function installLine(r, form = {}) {
  const id = decodeURIComponent(r.download_url.split("/").slice(-2, -1)[0] || "tether");
  const pkg = r.package || (r.platform.startsWith("linux-") ? "bin" : r.platform.startsWith("windows-") ? "exe" : "pkg");
  const file = r.file_name || `tether-${id}.${pkg}`;
  const url = r.download_url;
  switch (pkg) {
    case "bin":
      return `curl -fsSLo ${file} ${shq(url)} && sudo sh ./${file} --user USER --install-dir /opt/tether-${id}`;
    case "deb":
      return `curl -fsSLo ${file} ${shq(url)} && sudo dpkg -i ${file}`;
    case "rpm":
      return `curl -fsSLo ${file} ${shq(url)} && sudo rpm -i ${file}`;
    case "pkg":
      return `curl -fsSLo ${file} ${shq(url)} && sudo installer -pkg ${file} -target /`;
    case "msi": {
      // cmd.exe as Administrator: curl.exe ships with Windows 10 and 11.
      const props = [];
      if (form.tag) props.push(`JC_TAG=${msiq(form.tag)}`);
      if (form.jump_group) props.push(`JC_JUMP_GROUP=${msiq(form.jump_group)}`);
      if (r.mode === "user") props.push("MODE=user");
      return `curl.exe -fsSLo ${file} "${url}" && msiexec /i ${file} /quiet${props.map((p) => " " + p).join("")}`;
    }
    case "exe":
      return `powershell -c "Invoke-WebRequest '${url}' -OutFile ${file}; .\\${file} install --silent${r.mode === "user" ? " --mode user" : ""}"`;
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
