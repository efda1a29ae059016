// Package stream is the remote-control "view channel": the binary protocol
// between the agent, which captures the customer's screen, and the
// technician's browser viewer. The site relays the WebSocket messages
// byte-for-byte, so this package (and site/web/static/js/stream.js, its
// browser twin) is the only code that understands them. The wire format is
// specified in docs/VIEW-PROTOCOL.md.
//
// The package has four parts:
//
//   - message types with Append (encode) methods and strict, bounded decoders
//     for both directions (proto.go, input.go); every decoder has a fuzz
//     target;
//   - [Encoder], which turns changed rectangles of a captured frame into a
//     frame message, choosing per rectangle between lossless zstd, XOR against
//     what the viewer already shows, and JPEG (codec.go);
//   - [Sender], the agent loop with flow control: it keeps at most a few
//     unacknowledged frames in flight, merges damage while it waits and
//     adapts frame rate and JPEG quality to the acknowledgements (sender.go);
//   - [Decoder], the Go reference viewer that rebuilds the frame buffer, used
//     by tests and latency tools (decoder.go).
package stream
