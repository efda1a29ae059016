// Package xar writes and reads xar archives, the container of macOS flat
// packages (.pkg). Layout (integers big-endian):
//
//	header  "xar!", header size 28, version 1, compressed and
//	        uncompressed TOC length (u64 each), checksum algorithm (1 = SHA-1)
//	TOC     zlib-compressed XML: the file tree; for each file its heap
//	        offset, archived length, extracted size, encoding and the
//	        SHA-1 of the archived and of the extracted bytes
//	heap    at offset 0 the SHA-1 of the compressed TOC (20 bytes), then
//	        the archived file contents in TOC order
//
// Encoding "application/x-gzip" means zlib (deflate with a zlib header,
// despite the name); "application/octet-stream" means stored as is. Flat
// packages compress the small XML files and store Payload and Scripts,
// which are gzip-compressed cpio archives already.
package xar

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"strings"
	"time"
)

const (
	magic       = "xar!"
	headerSize  = 28
	cksumSHA1   = 1
	sha1Size    = sha1.Size
	encZlib     = "application/x-gzip"
	encStored   = "application/octet-stream"
	timeLayout  = "2006-01-02T15:04:05Z"
	ctimeLayout = "2006-01-02T15:04:05"
)

// ErrFormat marks entries the writer refuses and archives the reader
// cannot parse or whose checksums do not match.
var ErrFormat = errors.New("xar: invalid")

// Entry is one member, in heap order. A file's content is Data (small,
// zlib-compressed when Compress) or Stream: Size bytes whose SHA-1 the
// caller already knows (a cached package payload), stored as is.
type Entry struct {
	Name    string // slash-separated path; parents must be listed earlier
	Dir     bool
	Mode    fs.FileMode // permission bits
	ModTime time.Time

	Data     []byte
	Compress bool

	Stream io.Reader
	Size   int64
	SHA1   []byte
}

// Write writes the archive: header, TOC, then the heap, streaming each
// Stream once. A Stream whose bytes do not match its Size and SHA1 makes
// Write fail (the archive written so far is then invalid).
func Write(w io.Writer, entries []Entry, created time.Time) error {
	toc, heap, err := layout(entries, created)
	if err != nil {
		return err
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(toc)
	if err := zw.Close(); err != nil {
		return fmt.Errorf("xar: compress TOC: %w", err)
	}
	hdr := []byte(magic)
	hdr = binary.BigEndian.AppendUint16(hdr, headerSize)
	hdr = binary.BigEndian.AppendUint16(hdr, 1)
	hdr = binary.BigEndian.AppendUint64(hdr, uint64(z.Len()))
	hdr = binary.BigEndian.AppendUint64(hdr, uint64(len(toc)))
	hdr = binary.BigEndian.AppendUint32(hdr, cksumSHA1)
	tocSum := sha1.Sum(z.Bytes())

	bw := bufio.NewWriterSize(w, 256<<10)
	for _, b := range [][]byte{hdr, z.Bytes(), tocSum[:]} {
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("xar: %w", err)
		}
	}
	for _, h := range heap {
		if h.stream == nil {
			if _, err := bw.Write(h.data); err != nil {
				return fmt.Errorf("xar: %w", err)
			}
			continue
		}
		sum := sha1.New()
		n, err := io.CopyN(io.MultiWriter(bw, sum), h.stream, h.size)
		if err != nil {
			return fmt.Errorf("xar: %s: copied %d of %d bytes: %w", h.name, n, h.size, err)
		}
		if !bytes.Equal(sum.Sum(nil), h.sha1) {
			return fmt.Errorf("%w: %s: content does not match its SHA-1", ErrFormat, h.name)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("xar: %w", err)
	}
	return nil
}

type heapItem struct {
	name   string
	data   []byte
	stream io.Reader
	size   int64
	sha1   []byte
}

// layout validates entries, prepares the archived bytes of small files and
// renders the TOC.
func layout(entries []Entry, created time.Time) ([]byte, []heapItem, error) {
	root := &tocFile{}
	nodes := map[string]*tocFile{"": root}
	var heap []heapItem
	offset := int64(sha1Size) // the TOC checksum comes first
	for i, e := range entries {
		parent, base, _ := cutLast(e.Name)
		if base == "" || base == "." || base == ".." || strings.ContainsRune(e.Name, 0) || nodes[e.Name] != nil {
			return nil, nil, fmt.Errorf("%w: entry name %q", ErrFormat, e.Name)
		}
		p := nodes[parent]
		if p == nil || (p != root && p.Type != "directory") {
			return nil, nil, fmt.Errorf("%w: %s: parent directory %q not listed before it", ErrFormat, e.Name, parent)
		}
		t := e.ModTime.UTC().Format(timeLayout)
		f := &tocFile{ID: i + 1, CTime: t, MTime: t, ATime: t, Group: "wheel", User: "root",
			Mode: fmt.Sprintf("%04o", e.Mode.Perm()), Type: "file", Name: base}
		if e.Dir {
			f.Type = "directory"
		} else {
			d, item, err := fileData(e)
			if err != nil {
				return nil, nil, err
			}
			d.Offset = offset
			offset += d.Length
			f.Data = d
			heap = append(heap, item)
		}
		nodes[e.Name] = f
		p.Files = append(p.Files, f)
	}
	doc := tocDoc{}
	doc.TOC.Checksum = tocChecksum{Style: "sha1", Offset: 0, Size: sha1Size}
	doc.TOC.CreationTime = created.UTC().Format(ctimeLayout)
	doc.TOC.Files = root.Files
	b, err := xml.MarshalIndent(doc, "", " ")
	if err != nil {
		return nil, nil, fmt.Errorf("xar: TOC: %w", err)
	}
	return append([]byte(xml.Header), append(b, '\n')...), heap, nil
}

func fileData(e Entry) (*tocData, heapItem, error) {
	item := heapItem{name: e.Name}
	d := &tocData{}
	if e.Stream != nil {
		if e.Data != nil || e.Size < 0 || len(e.SHA1) != sha1Size {
			return nil, item, fmt.Errorf("%w: %s: a stream needs its size and SHA-1 and no Data", ErrFormat, e.Name)
		}
		sum := hex.EncodeToString(e.SHA1)
		d.Length, d.Size, d.Encoding.Style = e.Size, e.Size, encStored
		d.Archived = checksum{"sha1", sum}
		d.Extracted = checksum{"sha1", sum}
		item.stream, item.size, item.sha1 = e.Stream, e.Size, e.SHA1
		return d, item, nil
	}
	archived := e.Data
	d.Encoding.Style = encStored
	if e.Compress {
		var z bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&z, zlib.BestCompression)
		zw.Write(e.Data)
		if err := zw.Close(); err != nil {
			return nil, item, fmt.Errorf("xar: compress %s: %w", e.Name, err)
		}
		archived, d.Encoding.Style = z.Bytes(), encZlib
	}
	d.Length, d.Size = int64(len(archived)), int64(len(e.Data))
	d.Archived = checksum{"sha1", sha1Hex(archived)}
	d.Extracted = checksum{"sha1", sha1Hex(e.Data)}
	item.data = archived
	return d, item, nil
}

func sha1Hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// cutLast splits "a/b/c" into "a/b" and "c".
func cutLast(name string) (dir, base string, ok bool) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "", name, false
	}
	return name[:i], name[i+1:], true
}

// The TOC, in the element order Apple's tools write.
type tocDoc struct {
	XMLName xml.Name `xml:"xar"`
	TOC     struct {
		CreationTime string      `xml:"creation-time"`
		Checksum     tocChecksum `xml:"checksum"`
		Files        []*tocFile  `xml:"file"`
	} `xml:"toc"`
}

type tocChecksum struct {
	Style  string `xml:"style,attr"`
	Offset int64  `xml:"offset"`
	Size   int64  `xml:"size"`
}

type tocFile struct {
	ID    int        `xml:"id,attr"`
	Data  *tocData   `xml:"data,omitempty"`
	CTime string     `xml:"ctime,omitempty"`
	MTime string     `xml:"mtime,omitempty"`
	ATime string     `xml:"atime,omitempty"`
	Group string     `xml:"group,omitempty"`
	GID   int        `xml:"gid"`
	User  string     `xml:"user,omitempty"`
	UID   int        `xml:"uid"`
	Mode  string     `xml:"mode,omitempty"`
	Type  string     `xml:"type"`
	Name  string     `xml:"name"`
	Files []*tocFile `xml:"file"`
}

type tocData struct {
	Length   int64 `xml:"length"`
	Offset   int64 `xml:"offset"`
	Size     int64 `xml:"size"`
	Encoding struct {
		Style string `xml:"style,attr"`
	} `xml:"encoding"`
	Extracted checksum `xml:"extracted-checksum"`
	Archived  checksum `xml:"archived-checksum"`
}

type checksum struct {
	Style string `xml:"style,attr"`
	Value string `xml:",chardata"`
}

// hashFor returns the hash of a checksum style, nil when unsupported.
func hashFor(style string) hash.Hash {
	if style == "sha1" {
		return sha1.New()
	}
	return nil
}
