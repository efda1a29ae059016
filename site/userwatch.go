package site

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/tetherhq/tether/site/store"
)

// A technician disabled (`tether-site user disable`) loses every credential
// at once, and the site refuses them on every request; what they already
// have open — a view, a shell, the clipboard — is ended too, within
// userRecheck: the streams outlive the requests that opened them. The
// reaper checks each technician with open streams once per userRecheck
// (one store read per technician, however many streams they have).

// userRecheck is how often the reaper checks that the technicians with
// open streams are still enabled.
const userRecheck = 10 * time.Second

var errUserDisabled = errors.New("The technician's account was disabled.")

// userStreams holds how to end each open stream, by technician.
type userStreams struct {
	mu   sync.Mutex
	ends map[int64]map[*func()]bool
}

// add registers end for a stream of userID; call the returned remove when
// the stream ends.
func (u *userStreams) add(userID int64, end func()) (remove func()) {
	key := &end
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ends == nil {
		u.ends = map[int64]map[*func()]bool{}
	}
	if u.ends[userID] == nil {
		u.ends[userID] = map[*func()]bool{}
	}
	u.ends[userID][key] = true
	return func() {
		u.mu.Lock()
		defer u.mu.Unlock()
		delete(u.ends[userID], key)
		if len(u.ends[userID]) == 0 {
			delete(u.ends, userID)
		}
	}
}

func (u *userStreams) users() []int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	ids := make([]int64, 0, len(u.ends))
	for id := range u.ends {
		ids = append(ids, id)
	}
	return ids
}

// end ends every open stream of userID.
func (u *userStreams) end(userID int64) {
	u.mu.Lock()
	var ends []func()
	for e := range u.ends[userID] {
		ends = append(ends, *e)
	}
	u.mu.Unlock()
	for _, end := range ends {
		end()
	}
}

// endDisabledStreams ends the open streams of technicians who were
// disabled or removed since they opened them.
func (s *Server) endDisabledStreams(ctx context.Context) {
	for _, id := range s.userStreams.users() {
		u, err := s.store.UserByID(ctx, id)
		if errors.Is(err, store.ErrNotFound) || err == nil && u.Disabled {
			s.log.Info("streams ended: their technician was disabled", "user_id", id)
			s.userStreams.end(id)
		}
	}
}
