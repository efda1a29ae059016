package ui

// The protocol between wine_linux_test.go (Linux, drives) and
// wine_windows_test.go (under Wine, asserts): one JSON request per line on
// the Windows side's stdout, one JSON reply per line on its stdin.

// wineCmd is one request to the Linux side; the reply is one JSON line.
type wineCmd struct {
	Cmd  string `json:"cmd"`
	X    int    `json:"x,omitempty"`
	Y    int    `json:"y,omitempty"`
	W    int    `json:"w,omitempty"`
	H    int    `json:"h,omitempty"`
	Text string `json:"text,omitempty"`
}

type wineReply struct {
	OK  bool   `json:"ok"`
	Out string `json:"out"`
}

const wineLinePrefix = "@@wine "

// envWineDriver tells the Windows side that the Linux side drives it.
const envWineDriver = "TETHER_WINE_DRIVER"
