package packaging

import (
	"archive/zip"
	"bytes"
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"regexp"
	"strings"
	"text/template"
	"time"
	"unicode"

	"github.com/klauspost/compress/flate"

	"github.com/tetherhq/tether/internal/macapp"
)

// MacAppOptions configures the macOS support app download: a zip holding
// the folder "<Name>/" with "<Name>.app" and, beside it, the signed
// per-session config (internal/macapp explains why it lives there).
type MacAppOptions struct {
	// Name of the app and of the folder around it; default "Tether Support".
	Name string
	// Config is the signed embedcfg record of the session; required.
	Config []byte

	// App is a prebuilt "<Name>.app" bundle, rooted at the bundle (so it
	// holds "Contents/Info.plist"), e.g. os.DirFS(".../Tether Support.app").
	// Use it for the release build that was signed and notarized on a Mac:
	// it is copied byte for byte (symlinks too, when App implements
	// fs.ReadLinkFS), so its signature and stapled ticket stay valid.
	App fs.FS

	// Without App the bundle is generated: Info.plist from the fields
	// below and Agent (a universal binary, see BuildUniversal) as
	// Contents/MacOS/tether. Such an app is only ad-hoc signed (by the Go
	// linker, per slice); Gatekeeper makes the user approve it in System
	// Settings. For development and tests.
	Agent     io.Reader
	AgentSize int64
	// Binary is Agent compressed once per agent build (NewMacAppBinary);
	// when set, Agent is not needed and a download costs a copy.
	Binary    *MacAppBinary
	BundleID  string // default "com.tetherhq.support"
	Version   string // default "1.0"
	MinimumOS string // LSMinimumSystemVersion; default "10.15" (Screen Recording API)

	// ModTime of the zip entries; zero means now.
	ModTime time.Time
	// FlateLevel for the binary; 0 means flate.BestSpeed (the site builds
	// one zip per download).
	FlateLevel int
}

// ErrMacAppOptions is returned for unusable MacAppOptions.
var ErrMacAppOptions = errors.New("invalid macOS app options")

// MacAppExecutable is the bundle's executable name (CFBundleExecutable).
const MacAppExecutable = "tether"

//go:embed macapp_info.plist.tmpl
var macInfoPlistText string

var macInfoPlistTmpl = template.Must(template.New("plist").Funcs(template.FuncMap{"xml": xmlText}).Parse(macInfoPlistText))

var bundleIDPattern = regexp.MustCompile(`^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)

// BuildMacApp streams the support app zip to w.
func BuildMacApp(w io.Writer, opts MacAppOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	level := opts.FlateLevel
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		// klauspost's flate is several times faster than compress/flate
		// at the fast levels, and this runs per download.
		return flate.NewWriter(w, level)
	})
	z := &zipTree{zw: zw, mtime: opts.ModTime}
	folder := opts.Name + "/"
	app := folder + opts.Name + ".app/"
	if err := z.dir(folder); err != nil {
		return err
	}
	// The config first: it is small, and a reader that stops early (a
	// browser preview) still sees it next to the app.
	if err := z.file(folder+macapp.ConfigFileName, 0o644, bytes.NewReader(opts.Config), zip.Store); err != nil {
		return err
	}
	var err error
	if opts.App != nil {
		err = z.copyFS(app, opts.App)
	} else {
		err = z.generatedApp(app, &opts)
	}
	if err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write mac app zip: %w", err)
	}
	return nil
}

func (o *MacAppOptions) check() error {
	if o.Name == "" {
		o.Name = "Tether Support"
	}
	if strings.ContainsAny(o.Name, "/:") || strings.IndexFunc(o.Name, unicode.IsControl) >= 0 || strings.HasPrefix(o.Name, ".") {
		return fmt.Errorf("%w: name %q must be a plain file name", ErrMacAppOptions, o.Name)
	}
	if len(o.Config) == 0 {
		return fmt.Errorf("%w: no config", ErrMacAppOptions)
	}
	if o.App == nil {
		if o.Binary == nil && (o.Agent == nil || o.AgentSize <= 0) {
			return fmt.Errorf("%w: neither a prebuilt app nor an agent binary", ErrMacAppOptions)
		}
		if o.BundleID == "" {
			o.BundleID = "com.tetherhq.support"
		}
		if !bundleIDPattern.MatchString(o.BundleID) {
			return fmt.Errorf("%w: bundle id %q", ErrMacAppOptions, o.BundleID)
		}
		if o.Version == "" {
			o.Version = "1.0"
		}
		if o.MinimumOS == "" {
			o.MinimumOS = "10.15"
		}
	}
	if o.FlateLevel == 0 {
		o.FlateLevel = flate.BestSpeed
	}
	if o.ModTime.IsZero() {
		o.ModTime = time.Now()
	}
	return nil
}

// InfoPlist renders the Info.plist of a generated bundle.
func (o *MacAppOptions) InfoPlist() ([]byte, error) {
	short := o.Name
	if r := []rune(short); len(r) > 15 { // CFBundleName: at most 15 characters
		short = string(r[:15])
	}
	var b bytes.Buffer
	err := macInfoPlistTmpl.Execute(&b, struct {
		*MacAppOptions
		ShortName, Executable string
	}{o, short, MacAppExecutable})
	if err != nil {
		return nil, fmt.Errorf("render Info.plist: %w", err)
	}
	return b.Bytes(), nil
}

func (z *zipTree) generatedApp(app string, o *MacAppOptions) error {
	plist, err := o.InfoPlist()
	if err != nil {
		return err
	}
	for _, d := range []string{"", "Contents/", "Contents/MacOS/", "Contents/Resources/"} {
		if err := z.dir(app + d); err != nil {
			return err
		}
	}
	if err := z.file(app+"Contents/Info.plist", 0o644, bytes.NewReader(plist), zip.Deflate); err != nil {
		return err
	}
	// PkgInfo: the legacy type and creator codes Finder still reads.
	if err := z.file(app+"Contents/PkgInfo", 0o644, strings.NewReader("APPL????"), zip.Store); err != nil {
		return err
	}
	name := app + "Contents/MacOS/" + MacAppExecutable
	if b := o.Binary; b != nil {
		h := z.header(name, 0o755, zip.Deflate)
		h.CRC32, h.CompressedSize64, h.UncompressedSize64 = b.crc, uint64(len(b.deflated)), uint64(b.size)
		w, err := z.zw.CreateRaw(h)
		if err == nil {
			_, err = w.Write(b.deflated)
		}
		if err != nil {
			return fmt.Errorf("zip %s: %w", name, err)
		}
		return nil
	}
	agent := &exactReader{r: o.Agent, left: o.AgentSize}
	return z.file(name, 0o755, agent, zip.Deflate)
}

// MacAppBinary is the app's executable deflated once, for every download
// of one agent build: compressing ~20 MB costs ~100 ms, copying it ~5.
type MacAppBinary struct {
	deflated []byte
	crc      uint32
	size     int64
}

// NewMacAppBinary compresses the universal agent (exactly size bytes).
func NewMacAppBinary(agent io.Reader, size int64, level int) (*MacAppBinary, error) {
	if agent == nil || size <= 0 {
		return nil, fmt.Errorf("%w: agent of %d bytes", ErrMacAppOptions, size)
	}
	if level == 0 {
		level = flate.BestSpeed
	}
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, level)
	if err != nil {
		return nil, fmt.Errorf("%w: flate level %d: %w", ErrMacAppOptions, level, err)
	}
	sum := crc32.NewIEEE()
	if _, err := io.Copy(io.MultiWriter(fw, sum), &exactReader{r: agent, left: size}); err != nil {
		return nil, fmt.Errorf("compress agent: %w", err)
	}
	if err := fw.Close(); err != nil {
		return nil, fmt.Errorf("compress agent: %w", err)
	}
	return &MacAppBinary{deflated: buf.Bytes(), crc: sum.Sum32(), size: size}, nil
}

// zipTree writes entries with Unix modes (so the executable bit and
// symlinks survive Archive Utility and unzip) and one timestamp.
type zipTree struct {
	zw    *zip.Writer
	mtime time.Time
}

func (z *zipTree) header(name string, mode fs.FileMode, method uint16) *zip.FileHeader {
	h := &zip.FileHeader{Name: name, Method: method, Modified: z.mtime}
	h.SetMode(mode)
	return h
}

func (z *zipTree) dir(name string) error {
	if _, err := z.zw.CreateHeader(z.header(name, fs.ModeDir|0o755, zip.Store)); err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	return nil
}

func (z *zipTree) file(name string, mode fs.FileMode, r io.Reader, method uint16) error {
	w, err := z.zw.CreateHeader(z.header(name, mode, method))
	if err == nil {
		_, err = io.Copy(w, r)
	}
	if err != nil {
		return fmt.Errorf("zip %s: %w", name, err)
	}
	return nil
}

// copyFS copies a prebuilt bundle under prefix, keeping modes and links.
func (z *zipTree) copyFS(prefix string, app fs.FS) error {
	if _, err := fs.Stat(app, "Contents/Info.plist"); err != nil {
		return fmt.Errorf("%w: prebuilt app has no Contents/Info.plist: %w", ErrMacAppOptions, err)
	}
	if err := z.dir(prefix); err != nil {
		return err
	}
	return fs.WalkDir(app, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		name := prefix + p
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("prebuilt app %s: %w", p, err)
		}
		switch mode := info.Mode(); {
		case mode.IsDir():
			return z.dir(name + "/")
		case mode&fs.ModeSymlink != 0:
			rl, ok := app.(fs.ReadLinkFS)
			if !ok {
				return fmt.Errorf("%w: prebuilt app has a symlink %s but its fs.FS cannot read links", ErrMacAppOptions, p)
			}
			target, err := rl.ReadLink(p)
			if err != nil {
				return fmt.Errorf("prebuilt app %s: %w", p, err)
			}
			return z.file(name, fs.ModeSymlink|0o755, strings.NewReader(target), zip.Store)
		case mode.IsRegular():
			f, err := app.Open(p)
			if err != nil {
				return fmt.Errorf("prebuilt app %s: %w", p, err)
			}
			defer f.Close()
			return z.file(name, mode.Perm(), f, zip.Deflate)
		}
		return fmt.Errorf("%w: prebuilt app has %s of type %v", ErrMacAppOptions, p, info.Mode().Type())
	})
}

// exactReader yields exactly left bytes of r and fails if r is shorter or
// longer, so a truncated agent cannot slip into a download.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left == 0 {
		var one [1]byte
		if n, _ := e.r.Read(one[:]); n > 0 {
			return 0, errors.New("agent is longer than its stated size")
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		err = fmt.Errorf("agent is %d bytes shorter than its stated size: %w", e.left, io.ErrUnexpectedEOF)
	}
	return n, err
}

// xmlText escapes s for XML character data.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
