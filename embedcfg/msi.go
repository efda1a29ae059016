package embedcfg

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tetherhq/tether/internal/cfb"
)

// A Windows Installer package (.msi) is a compound file (internal/cfb),
// not a PE, and its Authenticode signature is the stream
// "\x05DigitalSignature". Signed with osslsigncode -addUnauthenticatedBlob
// that signature holds the same kind of reserved blob as a signed exe, so
// the site stamps an installer's record there, in place, and the MSI's
// signature stays valid: one signed template MSI per agent build serves
// every installer, and a download costs a copy.
//
// The record in an MSI is not about the MSI: it names the digest of the
// agent the MSI installs (Config.BinarySHA256), because the MSI's custom
// action reads it (MSIRecord) and stamps it into the installed agent's own
// slot (Restamp), where Parse checks it like any download. The template
// carries that digest in the stream MSIAgentDigestStream, so the site
// issues records for the agent inside the MSI even if the agent build
// beside it changed.

// MSISignatureStream is the stream of an MSI's Authenticode signature.
const MSISignatureStream = "\x05DigitalSignature"

// MSIAgentDigestStream is the stream (in _Streams, added at build time)
// holding the hex Layout.Digest of the agent inside the MSI.
const MSIAgentDigestStream = "TetherAgentSHA256"

// MSILayout is where a record goes in a signed template MSI.
type MSILayout struct {
	Size int64
	Room int64 // zero bytes in the blob
	// Slot is the blob's run of zero bytes as file ranges, in stream
	// order: a stream in 64-byte mini sectors is scattered in the file.
	Slot []cfb.Extent
	// AgentDigest is what Config.BinarySHA256 of a record for this MSI
	// must say: the digest of the agent it installs.
	AgentDigest string
}

// ErrNoBlob means a package was not signed with a reserved blob.
var ErrNoBlob = errors.New("the package's signature has no reserved blob (sign it with osslsigncode -addUnauthenticatedBlob)")

// InspectMSI finds the slot of a signed template MSI of size bytes.
func InspectMSI(r io.ReaderAt, size int64) (*MSILayout, error) {
	f, err := cfb.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("read MSI: %w", err)
	}
	sig, ext, err := signatureStream(f)
	if err != nil {
		return nil, err
	}
	if bytes.Contains(sig, magic()) {
		return nil, errors.New("the MSI already carries a config record")
	}
	start, room, ok := blobSlot(sig)
	if !ok {
		return nil, ErrNoBlob
	}
	slot, err := cfb.Map(ext, int64(start), int64(room))
	if err != nil {
		return nil, fmt.Errorf("read MSI: %w", err)
	}
	l := &MSILayout{Size: size, Room: int64(room), Slot: slot}
	if l.AgentDigest, err = agentDigest(f); err != nil {
		return nil, err
	}
	return l, nil
}

func signatureStream(f *cfb.File) (data []byte, ext []cfb.Extent, err error) {
	e, err := f.Stream(MSISignatureStream)
	if errors.Is(err, cfb.ErrNotFound) {
		return nil, nil, errors.New("the MSI is not signed")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read MSI: %w", err)
	}
	if ext, err = f.Extents(e); err != nil {
		return nil, nil, fmt.Errorf("read MSI signature: %w", err)
	}
	if data, err = f.ReadStream(e); err != nil {
		return nil, nil, fmt.Errorf("read MSI signature: %w", err)
	}
	return data, ext, nil
}

// agentDigest reads MSIAgentDigestStream, the digest of the agent inside
// the MSI. It is required: records stamped into the MSI are signed for
// that agent, and no other build may stand in for it.
func agentDigest(f *cfb.File) (string, error) {
	e, err := f.Stream(cfb.EncodeMSIName(MSIAgentDigestStream))
	if errors.Is(err, cfb.ErrNotFound) {
		return "", fmt.Errorf("the MSI has no %s stream (not built by packaging.BuildMSI)", MSIAgentDigestStream)
	}
	if err != nil {
		return "", fmt.Errorf("read MSI: %w", err)
	}
	b, err := f.ReadStream(e)
	if err != nil {
		return "", fmt.Errorf("read MSI: %w", err)
	}
	d := strings.TrimSpace(string(b))
	if !isHexDigest(d) {
		return "", fmt.Errorf("the MSI's %s stream is not a SHA-256", MSIAgentDigestStream)
	}
	return d, nil
}

// Fits reports whether rec can be stamped into the MSI.
func (l *MSILayout) Fits(rec []byte) error {
	if int64(len(rec)) > l.Room {
		return fmt.Errorf("%w: %d bytes, room for %d", ErrTooLarge, len(rec), l.Room)
	}
	return nil
}

// Stamped streams the MSI (l.Size bytes through r) with rec written into
// its slot, and returns the size (unchanged).
func (l *MSILayout) Stamped(r io.ReaderAt, rec []byte) (io.Reader, int64, error) {
	if err := l.Fits(rec); err != nil {
		return nil, 0, err
	}
	// The record's pieces in stream order, then written in file order
	// (mini sectors of one stream may lie in any order in the file).
	type piece struct {
		off  int64
		data []byte
	}
	var pieces []piece
	for _, e := range l.Slot {
		if len(rec) == 0 {
			break
		}
		n := min(e.Len, int64(len(rec)))
		pieces = append(pieces, piece{e.Offset, rec[:n]})
		rec = rec[n:]
	}
	slices.SortFunc(pieces, func(a, b piece) int { return cmp.Compare(a.off, b.off) })
	var parts []io.Reader
	pos := int64(0)
	for _, p := range pieces {
		parts = append(parts, io.NewSectionReader(r, pos, p.off-pos), bytes.NewReader(p.data))
		pos = p.off + int64(len(p.data))
	}
	parts = append(parts, io.NewSectionReader(r, pos, l.Size-pos))
	return io.MultiReader(parts...), l.Size, nil
}

// MSIRecord returns the record stamped into the MSI of size bytes in r,
// unverified (followed by the blob's padding): the caller checks it with
// ParseRecord and that it names the agent being installed.
func MSIRecord(r io.ReaderAt, size int64) ([]byte, error) {
	f, err := cfb.Open(r, size)
	if err != nil {
		return nil, fmt.Errorf("read MSI: %w", err)
	}
	sig, _, err := signatureStream(f)
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndex(sig, magic())
	if i < 0 {
		return nil, ErrNotFound
	}
	return sig[i:], nil
}
