// Package wintest gives the Windows tests of capture and input real
// windows to work against: a solid-colour window that records the mouse
// messages it gets, and Notepad with its edit control. The tests run on
// Windows and under Wine (scripts/wine.sh test ./capture ./input), where
// they are how CI checks the Windows backends from a Linux machine.
package wintest
