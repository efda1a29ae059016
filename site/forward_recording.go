package site

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"time"

	"github.com/tetherhq/tether/site/recording"
)

// A session's recording is written by the node that relayed its views —
// the node holding the agent then — into that node's data directory. When
// the agent moves to another node (a drain for a rolling upgrade, a node
// that failed) the next view is recorded there, so one session may have a
// file on several nodes. Which node has which, the nodes ask each other
// over their tunnels (askRecordings), as nothing else remembers it once
// the agent has left: session views add up every node's part, and a
// download fetches the other nodes' parts (fetchRecordingPart) and
// serves them merged into one recording (recordingDownload).

// clusterPath prefixes the questions nodes ask each other through their
// tunnels; the public listener has no such route.
const clusterPath = "/cluster/v1/"

// recordingProbeTimeout bounds how long a node waits for the others to say
// which recordings they have, and how long a part's transfer may stall.
const recordingProbeTimeout = 3 * time.Second

// hasCredentials reports whether r presents a token or a login cookie:
// only those requests are worth a lookup before forwarding (the node they
// reach checks them; others get their 401 here).
func hasCredentials(r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		return true
	}
	_, err := r.Cookie(cookieName)
	return err == nil
}

// othersRecordings adds, to views of recorded sessions, the parts of their
// recordings that the other nodes hold: one question per node for the
// whole list (a session list shows up to 500). full asks for the start
// times too (a file's header each), as a single session's view shows.
func (s *Server) othersRecordings(ctx context.Context, views []*sessionView, full bool) {
	byID := map[string]*sessionView{}
	var ids []string
	for _, v := range views {
		if v.Recorded {
			byID[v.ID] = v
			ids = append(ids, v.ID)
		}
	}
	answers, unanswered := s.askRecordings(ctx, ids, full)
	for _, a := range answers {
		for id, in := range a.have {
			if v := byID[id]; v != nil {
				var sum recording.Info
				if v.Recording != nil {
					sum = *v.Recording
				}
				in = sum.Add(in)
				v.Recording = &in
			}
		}
	}
	if len(unanswered) == 0 {
		return
	}
	for _, v := range byID {
		if v.Recording != nil {
			v.Recording.Unanswered = unanswered
		} else {
			// Nothing found, but a node that did not answer may hold it
			// all: say so rather than "no recording".
			v.RecordingUnanswered = unanswered
		}
	}
}

// recordingAnswer is one node's answer: the recordings it has of those
// asked for.
type recordingAnswer struct {
	node string
	have map[string]recording.Info
}

// askRecordings asks every other node at once which of the sessions ids
// it holds recordings of (full: with their start times), and waits for
// the answers at most recordingProbeTimeout. The nodes that did not
// answer by then, or answered with an error, are unanswered, sorted.
func (s *Server) askRecordings(ctx context.Context, ids []string, full bool) (answers []recordingAnswer, unanswered []string) {
	peers := s.cluster.Peers()
	if len(peers) == 0 || len(ids) == 0 {
		return nil, nil
	}
	body, _ := json.Marshal(ids)
	url := clusterPath + "recordings"
	if full {
		url += "?full=1" // a node from before ignores it, and answers without
	}
	ctx, cancel := context.WithTimeout(ctx, recordingProbeTimeout)
	defer cancel()
	type reply struct {
		recordingAnswer
		ok bool
	}
	replies := make(chan reply, len(peers))
	for _, n := range peers {
		go func() {
			a := reply{recordingAnswer: recordingAnswer{node: n}}
			req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+n+nodeHostSuffix+url, bytes.NewReader(body))
			if res, err := s.proxy.Transport.RoundTrip(req); err == nil {
				if res.StatusCode == http.StatusOK {
					a.ok = json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&a.have) == nil
				}
				res.Body.Close()
			}
			replies <- a
		}()
	}
	heard := map[string]bool{}
wait:
	for range peers {
		select {
		case a := <-replies:
			if a.ok {
				heard[a.node] = true
				answers = append(answers, a.recordingAnswer)
			}
		case <-ctx.Done():
			break wait
		}
	}
	for _, n := range peers {
		if !heard[n] {
			unanswered = append(unanswered, n)
		}
	}
	slices.Sort(unanswered)
	return answers, unanswered
}

// serveNodeQuestion answers the other nodes' questions about recordings:
// POST recordings (a list of session IDs) with the recordings of those
// that this node has; GET recording?session=ID with this node's file of
// that session, as far as it is on disk now.
func (s *Server) serveNodeQuestion(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == clusterPath+"recordings" && r.Method == http.MethodPost:
		s.answerRecordings(w, r)
	case r.URL.Path == clusterPath+"recording" && r.Method == http.MethodGet:
		s.serveRecordingPart(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) answerRecordings(w http.ResponseWriter, r *http.Request) {
	var ids []string
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ids); err != nil {
		http.Error(w, "bad list", http.StatusBadRequest)
		return
	}
	info := s.recordings.Stat
	if r.URL.Query().Get("full") == "1" {
		info = s.recordings.Info
	}
	have := map[string]recording.Info{}
	for _, id := range ids {
		// A header not readable (yet) still leaves what the file system
		// says: the file counts.
		if in, err := info(id); err == nil || in.Parts > 0 {
			have[id] = in
		}
	}
	writeJSON(w, http.StatusOK, have)
}

// serveRecordingPart serves this node's file of a session's recording to
// the node putting a download together (the user was checked there).
func (s *Server) serveRecordingPart(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("session")
	p, err := s.localRecordingPart(id)
	if err != nil {
		s.log.Warn("recording: serving a part to another node", "session", id, "err", err)
		http.Error(w, "unreadable", http.StatusInternalServerError)
		return
	}
	if p == nil {
		http.NotFound(w, r)
		return
	}
	defer p.Close()
	if p.active {
		w.Header().Set(recordingActiveHeader, "active")
	}
	http.ServeContent(w, r, "", p.mod, io.NewSectionReader(p.f, 0, p.size))
}

// localRecordingPart opens this node's file of session id; nil when there
// is none. A recording still being written is served as far as it is on
// disk now; its last record may be cut short, which readers accept.
func (s *Server) localRecordingPart(id string) (*recordingPart, error) {
	f, in, err := s.recordings.OpenFile(id)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &recordingPart{f: f, size: in.Size, mod: in.Updated, active: in.Active}, nil
}
