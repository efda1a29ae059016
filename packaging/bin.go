package packaging

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"
	"time"
	"unicode"

	// klauspost's gzip is ~3x faster than compress/gzip at BestSpeed
	// (33 vs 90 ms for 15 MB), and the site builds a .bin per download.
	gzip "github.com/klauspost/compress/gzip"
)

// BinOptions configures a self-extracting Linux installer (.bin).
type BinOptions struct {
	// Name is the file name users see in messages and usage, e.g.
	// "tether-abc.bin"; the caller chooses it (tether-{id}.bin).
	Name string
	// Agent is the Linux agent binary with its installer config already
	// appended (embedcfg). It is streamed, never held in memory.
	Agent io.Reader
	// AgentSize is the exact number of bytes Agent yields; tar needs the
	// size before the content.
	AgentSize int64
	// ModTime of the agent inside the archive; zero means now.
	ModTime time.Time
	// GzipLevel; 0 means gzip.BestSpeed, because the site builds a .bin
	// on every download and speed matters more than a few hundred KB.
	GzipLevel int
}

// ErrBinOptions is returned for unusable BinOptions.
var ErrBinOptions = errors.New("invalid .bin options")

//go:embed bin_header.sh.tmpl
var binHeaderText string

var binHeaderTmpl = template.Must(template.New("bin").Funcs(template.FuncMap{
	"shq": shellQuote,
}).Parse(binHeaderText))

// binTrailerLen is the length of "\nsha256 <64 hex>\n" after the payload.
const binTrailerLen = 1 + len("sha256 ") + 64 + 1

type binHeaderData struct {
	Name       string
	Offset     int
	TrailerLen int
}

// BuildBin writes a self-extracting installer to w: a POSIX sh header that
// verifies and unpacks the payload and runs `tether install "$@"`, a
// tar.gz holding the agent as "tether", and a SHA-256 trailer. The digest
// goes last so the payload can be streamed straight to w in one pass.
func BuildBin(w io.Writer, opts BinOptions) error {
	if err := opts.check(); err != nil {
		return err
	}
	header, err := renderBinHeader(opts.Name)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := bw.Write(header); err != nil {
		return fmt.Errorf("write .bin header: %w", err)
	}
	h := sha256.New()
	if err := writePayload(io.MultiWriter(bw, h), opts); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(bw, "\nsha256 %s\n", hex.EncodeToString(h.Sum(nil))); err != nil {
		return fmt.Errorf("write .bin trailer: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write .bin: %w", err)
	}
	return nil
}

func (o *BinOptions) check() error {
	if o.Name == "" {
		o.Name = "tether.bin"
	}
	if strings.IndexFunc(o.Name, unicode.IsControl) >= 0 || strings.Contains(o.Name, "/") {
		return fmt.Errorf("%w: name %q must be a plain file name", ErrBinOptions, o.Name)
	}
	if o.Agent == nil || o.AgentSize <= 0 {
		return fmt.Errorf("%w: no agent binary", ErrBinOptions)
	}
	if o.GzipLevel == 0 {
		o.GzipLevel = gzip.BestSpeed
	}
	if o.ModTime.IsZero() {
		o.ModTime = time.Now()
	}
	return nil
}

// renderBinHeader renders the header with its own length as OFFSET. The
// length depends on the digits of the offset, so render until it is
// stable (at most a couple of rounds).
func renderBinHeader(name string) ([]byte, error) {
	offset := 0
	for range 5 {
		var b bytes.Buffer
		err := binHeaderTmpl.Execute(&b, binHeaderData{Name: name, Offset: offset, TrailerLen: binTrailerLen})
		if err != nil {
			return nil, fmt.Errorf("render .bin header: %w", err)
		}
		if b.Len() == offset {
			return b.Bytes(), nil
		}
		offset = b.Len()
	}
	return nil, errors.New("render .bin header: offset does not converge")
}

// writePayload writes tar.gz(tether) to w.
func writePayload(w io.Writer, opts BinOptions) error {
	gz, err := gzip.NewWriterLevel(w, opts.GzipLevel)
	if err != nil {
		return fmt.Errorf("%w: gzip level %d: %w", ErrBinOptions, opts.GzipLevel, err)
	}
	tw := tar.NewWriter(gz)
	hdr := &tar.Header{
		Typeflag: tar.TypeReg,
		Name:     "tether",
		Mode:     0o755,
		Size:     opts.AgentSize,
		ModTime:  opts.ModTime.Truncate(time.Second),
		Uname:    "root",
		Gname:    "root",
		// USTAR: readable by busybox and old GNU tar alike.
		Format: tar.FormatUSTAR,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("write .bin payload: %w", err)
	}
	n, err := io.CopyN(tw, opts.Agent, opts.AgentSize)
	if err != nil {
		return fmt.Errorf("copy agent into .bin (%d of %d bytes): %w", n, opts.AgentSize, err)
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("write .bin payload: %w", err)
	}
	if err := gz.Close(); err != nil {
		return fmt.Errorf("write .bin payload: %w", err)
	}
	return nil
}

// shellQuote quotes s for POSIX sh: wrap it in single quotes and write each
// embedded single quote as quote, backslash, quote, quote.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
