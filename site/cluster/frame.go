package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A frame is one message between nodes. Every message on the bus is one
// frame, so a single parser (and its fuzz target) sees everything a peer —
// or anyone else who can publish on the site's subjects — sends:
//
//	kind    1 byte  (frameHello, framePresence, …)
//	flags   1 byte  (flagFromDialer on tunnel frames)
//	nodeLen 1 byte, node nodeLen bytes: the sender's node ID
//	tunnel  8 bytes big-endian: the tunnel's number (0 on other kinds)
//	seq     8 bytes big-endian: the sender's sequence number of this kind
//	payload the rest
//
// Binary rather than JSON because tunnel frames carry relayed view bytes,
// and a fixed header keeps the parser small and total.
type frame struct {
	kind    byte
	flags   byte
	node    string
	tunnel  uint64
	seq     uint64
	payload []byte
}

// Frame kinds.
const (
	frameHello    byte = 'h' // a node's heartbeat (JSON hello)
	frameBye      byte = 'b' // a node leaves: forget its agents now
	framePresence byte = 'p' // agents that came or went (JSON presence)
	frameSync     byte = 's' // please send me your whole presence
	frameEvent    byte = 'e' // an Event for the site (JSON)
	frameOpen     byte = 'o' // a tunnel opens (JSON tunnelOpen)
	frameData     byte = 'd' // tunnel bytes
	frameAck      byte = 'a' // tunnel credit: 8 bytes, total bytes consumed
	frameClose    byte = 'c' // tunnel closed (payload: reason)
	frameProbe    byte = 'q' // are you there? (a request; answered with an ack)
)

// flagFromDialer marks tunnel frames sent by the side that opened the
// tunnel: each side numbers its own tunnels, so the number alone is not
// unique on the receiving node.
const flagFromDialer byte = 1

const headerFixed = 1 + 1 + 1 + 8 + 8

// maxNodeID bounds node IDs (one length byte; ours are 12 characters).
const maxNodeID = 64

var errShortFrame = errors.New("cluster: frame too short")

func (f *frame) encode() []byte {
	b := make([]byte, 0, headerFixed+len(f.node)+len(f.payload))
	b = append(b, f.kind, f.flags, byte(len(f.node)))
	b = append(b, f.node...)
	b = binary.BigEndian.AppendUint64(b, f.tunnel)
	b = binary.BigEndian.AppendUint64(b, f.seq)
	return append(b, f.payload...)
}

// decodeFrame parses b; the payload aliases b.
func decodeFrame(b []byte) (*frame, error) {
	if len(b) < headerFixed {
		return nil, errShortFrame
	}
	f := &frame{kind: b[0], flags: b[1]}
	n := int(b[2])
	if n == 0 || n > maxNodeID {
		return nil, fmt.Errorf("cluster: node ID of %d bytes", n)
	}
	if len(b) < headerFixed+n {
		return nil, errShortFrame
	}
	f.node = string(b[3 : 3+n])
	rest := b[3+n:]
	f.tunnel = binary.BigEndian.Uint64(rest)
	f.seq = binary.BigEndian.Uint64(rest[8:])
	f.payload = rest[16:]
	switch f.kind {
	case frameHello, frameBye, framePresence, frameSync, frameEvent, frameOpen, frameData, frameClose, frameProbe:
	case frameAck:
		if len(f.payload) != 8 {
			return nil, fmt.Errorf("cluster: ack of %d bytes", len(f.payload))
		}
	default:
		return nil, fmt.Errorf("cluster: unknown frame kind %q", f.kind)
	}
	return f, nil
}
