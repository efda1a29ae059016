// Package wire holds everything the agent and the site say to each other: the
// protocol version, the session and jump-client state enums, the stable error
// codes with their exact English texts (SPEC A9, C11), the control messages on
// the agent WebSocket and the binary frame format of the remote-control stream.
//
// Keeping them in one package means a message cannot drift between the two
// sides: both import the same types, and the decoders here are the only code
// that parses bytes coming from the other side (each has a fuzz target).
package wire

// ProtocolVersion is bumped whenever a message changes incompatibly. The site
// refuses agents that speak a different major protocol and asks jump clients
// to update (C12).
const ProtocolVersion = 1
