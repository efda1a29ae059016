package wire

import "time"

// The session toolkit's data streams (docs/TOOLKIT.md). Each runs on its
// own WebSocket that the agent dials when asked by an Open message; these
// are the JSON messages and parameters they carry.

// MaxClipboard bounds clipboard text, in bytes (UTF-8).
const MaxClipboard = 1 << 20

// FileChunk is the size of the binary messages of a file stream: large
// enough for throughput, small enough that nothing buffers a whole file.
const FileChunk = 256 << 10

// File operations of FileParams.Op.
const (
	FileGet     = "get"     // a file (streamed) or a folder (listing)
	FilePut     = "put"     // an upload
	FilePartial = "partial" // how much of an interrupted upload arrived
)

// FileParams are the Open.Params of a files stream.
type FileParams struct {
	Op   string `json:"op"`
	Path string `json:"path"`
	// Size is an upload's announced size (-1: unknown until the end).
	Size int64 `json:"size,omitempty"`
	// Offset resumes an upload (the agent's partial count) or a download.
	Offset    int64 `json:"offset,omitempty"`
	Overwrite bool  `json:"overwrite,omitempty"`
	// SHA256 (hex) is what an upload must hash to; "" skips the check.
	SHA256 string `json:"sha256,omitempty"`
	// MaxSize is the site's limit (file_too_large); 0 means none.
	MaxSize int64 `json:"max_size,omitempty"`
	// Anywhere allows absolute paths (a jump client, by site policy);
	// otherwise only paths inside the transfer folder are allowed.
	Anywhere bool `json:"anywhere,omitempty"`
	// Technician asks, named in the customer's question.
	Technician string `json:"technician,omitempty"`
}

// FileItem is one entry of a folder listing (SPEC G).
type FileItem struct {
	Name     string    `json:"name"`
	Size     int64     `json:"size"`
	Dir      bool      `json:"dir"`
	Modified time.Time `json:"modified"`
}

// FileReply is the agent's JSON (text) message on a files stream: first an
// answer to the request (an error; a folder's listing; a file's size, or
// for an upload the offset it continues from), and for transfers a last
// one once the bytes are through (Done, with the whole file's SHA-256).
type FileReply struct {
	Error     *Error     `json:"error,omitempty"`
	Dir       bool       `json:"dir,omitempty"`
	Items     []FileItem `json:"items,omitempty"`
	Truncated bool       `json:"truncated,omitempty"`
	Path      string     `json:"path,omitempty"`
	Size      int64      `json:"size,omitempty"`
	Offset    int64      `json:"offset,omitempty"`
	Modified  time.Time  `json:"modified,omitzero"`
	Done      bool       `json:"done,omitempty"`
	SHA256    string     `json:"sha256,omitempty"`
}

// FileEnd is the site's last (text) message of an upload: every byte was
// sent; the agent verifies and commits.
type FileEnd struct {
	End bool `json:"end"`
}

// ShellParams are the Open.Params of a shell stream. Binary messages carry
// terminal bytes both ways; the viewer's text messages are ShellControl,
// the agent's are ShellStatus (ready first, the exit status last).
type ShellParams struct {
	Cols uint16 `json:"cols,omitempty"`
	Rows uint16 `json:"rows,omitempty"`
	// AllowRoot lets a jump client that runs as root open a root shell
	// (site option, default no).
	AllowRoot bool `json:"allow_root,omitempty"`
}

// ShellControl is a viewer's text message on a shell stream.
type ShellControl struct {
	Resize *struct {
		Cols uint16 `json:"cols"`
		Rows uint16 `json:"rows"`
	} `json:"resize,omitempty"`
}

// ShellStatus is an agent's text message on a shell stream: Ready once the
// shell runs, Exit (its status) when it ended.
type ShellStatus struct {
	Ready bool `json:"ready,omitempty"`
	Exit  *int `json:"exit,omitempty"`
}

// ClipboardText is the (text) message both ways on a clipboard stream;
// the agent's first message only says Ready.
type ClipboardText struct {
	Text  string `json:"text"`
	Ready bool   `json:"ready,omitempty"`
}
