package site

import (
	"context"
	"errors"
	"time"

	"github.com/tetherhq/tether/site/store"
)

// A technician disabled (`tether-site user disable`) loses every credential
// at once, and the site refuses them on every request; what they already
// have open — a view, a shell, the clipboard — is ended too, within
// userRecheck: the streams outlive the requests that opened them.

// userRecheck is how often an open stream checks that its technician is
// still enabled (one store read per stream each time).
var userRecheck = 10 * time.Second

var errUserDisabled = errors.New("The technician's account was disabled.")

// whileEnabled calls end, once, if the user is found disabled or gone
// while ctx lasts; call the stop it returns when the stream ends.
func (s *Server) whileEnabled(ctx context.Context, userID int64, end func()) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(userRecheck)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			u, err := s.store.UserByID(ctx, userID)
			if errors.Is(err, store.ErrNotFound) || err == nil && u.Disabled {
				s.log.Info("stream ended: its technician was disabled", "user_id", userID)
				end()
				return
			}
		}
	}()
	return cancel
}
