package sysinfo

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"github.com/shirou/gopsutil/v4/host"
)

// osInfo names the operating system. The pretty name comes from each OS's
// own record of it (os-release, the registry, SystemVersion.plist) because
// gopsutil's platform fields are not what a person would say ("debian",
// "12.5").
func osInfo(ctx context.Context) (OS, error) {
	o := OS{Platform: runtime.GOOS, Arch: runtime.GOARCH}
	var errs []error
	name, err := osName()
	if err != nil {
		errs = append(errs, err)
	}
	o.Name = cmpOr(name, runtime.GOOS)
	if k, err := kernelVersion(ctx); err == nil {
		o.Kernel = k
	} else {
		errs = append(errs, fmt.Errorf("kernel: %w", err))
	}
	if a, err := host.KernelArch(); err == nil && a != "" {
		o.Arch = a
	}
	return o, errors.Join(errs...)
}

// parseOSRelease returns the name a person would use from an os-release
// file (freedesktop.org): PRETTY_NAME, else NAME and VERSION.
func parseOSRelease(r io.Reader) string {
	vals := map[string]string{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		vals[k] = unquoteShell(v)
	}
	if p := vals["PRETTY_NAME"]; p != "" {
		return p
	}
	return strings.TrimSpace(vals["NAME"] + " " + vals["VERSION"])
}

// unquoteShell undoes os-release quoting: "…" with \-escapes, or '…'.
func unquoteShell(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return v[1 : len(v)-1]
	}
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var b strings.Builder
		for i := 1; i < len(v)-1; i++ {
			if v[i] == '\\' && i+1 < len(v)-1 {
				i++
			}
			b.WriteByte(v[i])
		}
		return b.String()
	}
	return v
}

// parsePlistStrings returns the <key>/<string> pairs of an XML property
// list's top-level dictionary, which is all SystemVersion.plist holds.
func parsePlistStrings(r io.Reader) (map[string]string, error) {
	d := xml.NewDecoder(r)
	out := map[string]string{}
	var key, elem string
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			elem = t.Name.Local
		case xml.EndElement:
			depth--
			elem = ""
		case xml.CharData:
			if depth != 3 { // plist > dict > key|string
				continue
			}
			switch elem {
			case "key":
				key = string(t)
			case "string":
				if key != "" {
					out[key] = string(t)
					key = ""
				}
			}
		}
	}
}

// macName is "macOS 14.5" from SystemVersion.plist's fields.
func macName(v map[string]string) string {
	return strings.TrimSpace(cmpOr(v["ProductName"], "macOS") + " " + v["ProductVersion"])
}

// windowsName builds "Windows 10 Pro 22H2 (build 19045)" from the registry
// values under HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion. Windows 11
// still calls itself "Windows 10" in ProductName; its build number tells.
func windowsName(product, displayVersion, releaseID, build string) string {
	product = strings.TrimPrefix(strings.TrimSpace(product), "Microsoft ")
	if n, err := strconv.Atoi(build); err == nil && n >= 22000 {
		product = strings.Replace(product, "Windows 10", "Windows 11", 1)
	}
	name := cmpOr(product, "Windows")
	if v := cmpOr(displayVersion, releaseID); v != "" {
		name += " " + v
	}
	if build != "" {
		name += " (build " + build + ")"
	}
	return name
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
