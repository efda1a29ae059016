package input

import (
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode"

	"github.com/jezek/xgb"
	"github.com/jezek/xgb/xproto"
)

const (
	// restoreDelay is how long remapped spare keycodes keep their
	// temporary keysym after the last use; see scheduleRestore.
	restoreDelay = 2 * time.Second
	// remapGuard is the minimum time between typing a character on a
	// spare keycode and remapping that keycode to another character.
	remapGuard = 30 * time.Millisecond
)

const (
	xkShiftL = 0xffe1
	xkShiftR = 0xffe2
)

var errNoSpareKeycode = errors.New("no spare keycode to remap (all are in use)")

// keyPos is where a keysym lives in the keyboard mapping.
type keyPos struct {
	kc    byte
	level byte // 0 plain, 1 with Shift
}

// slot is a spare keycode (one with no keysyms at all in the initial
// mapping) that Text and Key remap to keysyms the layout lacks.
type slot struct {
	kc      byte
	ks      uint32    // keysym currently mapped, 0 when restored
	used    time.Time // last time a key event used it
	prevUse time.Time // last use under the previous keysym
	pinned  int       // held keys using it; pinned slots are not remapped
}

// xKeymap caches the server's core keyboard mapping. It is guarded by the
// owning injector's mutex.
type xKeymap struct {
	min, max byte
	per      int      // keysyms per keycode
	syms     []uint32 // per*(max-min+1) keysyms, row per keycode
	rev      map[uint32]keyPos
	slots    []*slot
	bySym    map[uint32]*slot
	slotKC   [256]bool
}

func loadXKeymap(conn *xgb.Conn, minKC, maxKC byte) (*xKeymap, error) {
	km := &xKeymap{min: minKC, max: maxKC, bySym: map[uint32]*slot{}}
	if err := km.fetch(conn); err != nil {
		return nil, err
	}
	// Spare keycodes are chosen once: after we remap them they no longer
	// look unused, and a reload must not mistake them for layout keys.
	for kc := int(minKC); kc <= int(maxKC); kc++ {
		if km.rowEmpty(byte(kc)) {
			km.slots = append(km.slots, &slot{kc: byte(kc)})
			km.slotKC[kc] = true
		}
	}
	km.buildRev()
	return km, nil
}

// fetch reads the whole core keyboard mapping in one round trip.
func (km *xKeymap) fetch(conn *xgb.Conn) error {
	n := int(km.max) - int(km.min) + 1
	rep, err := xproto.GetKeyboardMapping(conn, xproto.Keycode(km.min), byte(n)).Reply()
	if err != nil {
		return fmt.Errorf("input: GetKeyboardMapping: %w", err)
	}
	per := int(rep.KeysymsPerKeycode)
	if per == 0 || len(rep.Keysyms) < per*n {
		return fmt.Errorf("input: GetKeyboardMapping: short reply (%d keysyms, %d per keycode)", len(rep.Keysyms), per)
	}
	km.per = per
	km.syms = make([]uint32, per*n)
	for i := range km.syms {
		km.syms[i] = uint32(rep.Keysyms[i])
	}
	return nil
}

// reload refetches the mapping after another client changed it.
func (km *xKeymap) reload(conn *xgb.Conn) error {
	if err := km.fetch(conn); err != nil {
		return err
	}
	km.buildRev()
	return nil
}

func (km *xKeymap) row(kc byte) []uint32 {
	i := (int(kc) - int(km.min)) * km.per
	return km.syms[i : i+km.per]
}

func (km *xKeymap) rowEmpty(kc byte) bool {
	for _, s := range km.row(kc) {
		if s != 0 {
			return false
		}
	}
	return true
}

// level1 returns the keysym at the Shift level, applying the core
// protocol rule that a lone lower-case letter implies its upper case.
func (km *xKeymap) level1(kc byte) uint32 {
	r := km.row(kc)
	if km.per > 1 && r[1] != 0 {
		return r[1]
	}
	if lr, ok := keysymRune(r[0]); ok {
		if up := unicode.ToUpper(lr); up != lr {
			return keysymForRune(up)
		}
	}
	return 0
}

// buildRev indexes the first two levels of group 1 — the only ones
// reachable with Shift alone — preferring the plain level, then the
// lowest keycode, so "less" resolves to the IntlBackslash key rather than
// Shift+Comma.
func (km *xKeymap) buildRev() {
	km.rev = make(map[uint32]keyPos, 2*int(km.max-km.min+1))
	for level := range byte(2) {
		for kc := int(km.min); kc <= int(km.max); kc++ {
			if km.slotKC[kc] {
				continue
			}
			s := km.row(byte(kc))[0]
			if level == 1 {
				s = km.level1(byte(kc))
			}
			if _, seen := km.rev[s]; s != 0 && !seen {
				km.rev[s] = keyPos{byte(kc), level}
			}
		}
	}
}

// keycodeAnyLevel finds the key carrying ks at any level, so that Key
// reaches the physical key whatever modifiers are needed to produce ks
// (KP_1 sits behind NumLock on the Numpad1 key).
func (km *xKeymap) keycodeAnyLevel(ks uint32) (byte, bool) {
	if p, ok := km.rev[ks]; ok {
		return p.kc, true
	}
	for kc := int(km.min); kc <= int(km.max); kc++ {
		if km.slotKC[kc] {
			continue
		}
		for _, s := range km.row(byte(kc)) {
			if s == ks {
				return byte(kc), true
			}
		}
	}
	return 0, false
}

// claimSlot returns the spare keycode mapped to ks. fresh reports that the
// caller must send the ChangeKeyboardMapping for it.
func (km *xKeymap) claimSlot(ks uint32) (s *slot, fresh bool, err error) {
	now := time.Now()
	if s := km.bySym[ks]; s != nil {
		s.used = now
		return s, false, nil
	}
	var victim *slot
	for _, c := range km.slots {
		if c.pinned > 0 {
			continue
		}
		if victim == nil || (c.ks == 0 && victim.ks != 0) ||
			(c.ks == 0) == (victim.ks == 0) && c.used.Before(victim.used) {
			victim = c
		}
	}
	if victim == nil {
		return nil, false, errNoSpareKeycode
	}
	victim.prevUse = time.Time{}
	if victim.ks != 0 {
		delete(km.bySym, victim.ks)
		victim.prevUse = victim.used
	}
	victim.ks, victim.used = ks, now
	km.bySym[ks] = victim
	return victim, true, nil
}

func (km *xKeymap) slotByKC(kc byte) *slot {
	for _, s := range km.slots {
		if s.kc == kc {
			return s
		}
	}
	return nil
}

func (km *xKeymap) pin(kc byte) {
	if s := km.slotByKC(kc); s != nil {
		s.pinned++
	}
}

func (km *xKeymap) unpin(kc byte) {
	if s := km.slotByKC(kc); s != nil && s.pinned > 0 {
		s.pinned--
		s.used = time.Now()
	}
}

// releaseSlots forgets the keysym of every unpinned remapped slot and
// returns their keycodes, which the caller maps back to NoSymbol.
func (km *xKeymap) releaseSlots() []byte {
	var out []byte
	for _, s := range km.slots {
		if s.ks != 0 && s.pinned == 0 {
			delete(km.bySym, s.ks)
			s.ks = 0
			out = append(out, s.kc)
		}
	}
	return out
}

// keysymRune is the inverse of keysymForRune for printable keysyms.
func keysymRune(ks uint32) (rune, bool) {
	switch {
	case ks >= 0x20 && ks < 0x7f, ks >= 0xa0 && ks < 0x100:
		return rune(ks), true
	case ks >= 0x01000100 && ks <= 0x0110ffff:
		return rune(ks - 0x01000000), true
	}
	return 0, false
}

// cased reports whether Caps Lock changes what r's key types.
func cased(r rune) bool { return unicode.ToUpper(r) != unicode.ToLower(r) }

// Text types s key by key. Characters on the layout use their key (with
// Shift when needed, inverted for letters while Caps Lock is on); others
// are typed through a spare keycode remapped to their keysym.
func (x *xtestInjector) Text(s string) error {
	runes := normalizeText(s)
	if len(runes) == 0 {
		return nil
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if err := x.check(); err != nil {
		return err
	}
	// Caps Lock only matters for letters; skip the round trip otherwise.
	lockOn := false
	if slices.ContainsFunc(runes, cased) {
		var err error
		if lockOn, err = x.capsLock(); err != nil {
			return err
		}
	}
	lifted := x.liftModifiers()
	shiftKC, haveShift := x.km.rev[xkShiftL]
	if !haveShift {
		shiftKC, haveShift = x.km.rev[xkShiftR]
	}
	shifted := false
	setShift := func(on bool) {
		if on != shifted {
			typ := byte(xproto.KeyRelease)
			if on {
				typ = xproto.KeyPress
			}
			x.fake(typ, shiftKC.kc)
			shifted = on
		}
	}
	for _, r := range runes {
		ks := keysymForRune(r)
		if ks == 0 {
			continue // control characters have no key; dropping beats guessing
		}
		p, onLayout := x.km.rev[ks]
		if onLayout && (p.level == 0 || haveShift) {
			want := p.level == 1
			if lockOn && cased(r) {
				want = !want
			}
			setShift(want)
		} else {
			setShift(false)
			kc, err := x.slotFor(ks)
			if err != nil {
				x.restoreModifiers(lifted)
				return fmt.Errorf("input: type %q: %w", r, err)
			}
			p = keyPos{kc: kc}
		}
		x.fake(xproto.KeyPress, p.kc)
		x.fake(xproto.KeyRelease, p.kc)
	}
	setShift(false)
	x.restoreModifiers(lifted)
	return nil
}

// capsLock asks the server whether Lock is active. One round trip per
// Text call; Text is rare compared with Key.
func (x *xtestInjector) capsLock() (bool, error) {
	rep, err := xproto.QueryPointer(x.conn, x.root).Reply()
	if err != nil {
		return false, fmt.Errorf("input: QueryPointer: %w", err)
	}
	return rep.Mask&xproto.ModMaskLock != 0, nil
}

// liftModifiers releases the modifier keys the viewer holds through Key
// and returns their keycodes for restoreModifiers.
func (x *xtestInjector) liftModifiers() []byte {
	var lifted []byte
	for code, p := range x.keysDown {
		if modifierCodes[code] {
			x.fake(xproto.KeyRelease, p.kc)
			lifted = append(lifted, p.kc)
		}
	}
	return lifted
}

func (x *xtestInjector) restoreModifiers(kcs []byte) {
	for _, kc := range kcs {
		x.fake(xproto.KeyPress, kc)
	}
}
