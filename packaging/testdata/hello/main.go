// Command hello is a tiny program the packaging tests cross-compile for
// darwin/amd64 and darwin/arm64 to build real universal binaries.
package main

import "fmt"

func main() { fmt.Println("hello from tether's packaging tests") }
