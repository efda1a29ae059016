package site

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/tetherhq/tether/site/recording"
)

// A session's recording is written by the node that relayed its views —
// the node holding the agent then — into that node's data directory. A
// request for it that lands on another node is forwarded to the node that
// has the file, and session views show recordings held elsewhere; which
// node has which, the nodes ask each other over their tunnels
// (askRecordings), as nothing else remembers it once the agent has left.

// clusterPath prefixes the questions nodes ask each other through their
// tunnels; the public listener has no such route.
const clusterPath = "/cluster/v1/"

// recordingProbeTimeout bounds how long a node waits for the others to say
// which recordings they have.
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

// recordingNode is the other node that has the recording of session {id},
// or "" (this node has it, or nobody does: served here, which answers
// no_recording).
func (s *Server) recordingNode(r *http.Request) string {
	id := r.PathValue("id")
	path := s.recordings.Path(id)
	if !hasCredentials(r) || path == "" {
		return ""
	}
	if _, err := os.Stat(path); err == nil {
		return ""
	}
	for a := range s.askRecordings(r.Context(), []string{id}) {
		if _, ok := a.have[id]; ok {
			return a.node
		}
	}
	return ""
}

// othersRecordings fills in, for views of recorded sessions whose file
// this node does not have, what the other nodes say of theirs: one
// question per node for the whole list (a session list shows up to 500).
func (s *Server) othersRecordings(ctx context.Context, views []*sessionView) {
	missing := map[string]*sessionView{}
	var ids []string
	for _, v := range views {
		if v.Recorded && v.Recording == nil {
			missing[v.ID] = v
			ids = append(ids, v.ID)
		}
	}
	for a := range s.askRecordings(ctx, ids) {
		for id, in := range a.have {
			if v := missing[id]; v != nil && v.Recording == nil {
				v.Recording = &in
			}
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
// it holds recordings of, and yields the answers as they come, for at
// most recordingProbeTimeout; the caller may stop early.
func (s *Server) askRecordings(ctx context.Context, ids []string) func(yield func(recordingAnswer) bool) {
	return func(yield func(recordingAnswer) bool) {
		peers := s.cluster.Peers()
		if len(peers) == 0 || len(ids) == 0 {
			return
		}
		body, _ := json.Marshal(ids)
		ctx, cancel := context.WithTimeout(ctx, recordingProbeTimeout)
		defer cancel()
		answers := make(chan recordingAnswer, len(peers))
		for _, n := range peers {
			go func() {
				a := recordingAnswer{node: n}
				req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+n+nodeHostSuffix+clusterPath+"recordings", bytes.NewReader(body))
				if res, err := s.proxy.Transport.RoundTrip(req); err == nil {
					if res.StatusCode == http.StatusOK {
						json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&a.have)
					}
					res.Body.Close()
				}
				answers <- a
			}()
		}
		for range peers {
			select {
			case a := <-answers:
				if !yield(a) {
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

// serveNodeQuestion answers another node's POST recordings (a list of
// session IDs) with the recordings of those that this node has.
func (s *Server) serveNodeQuestion(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != clusterPath+"recordings" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	var ids []string
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&ids); err != nil {
		http.Error(w, "bad list", http.StatusBadRequest)
		return
	}
	have := map[string]recording.Info{}
	for _, id := range ids {
		if in, err := s.recordings.Stat(id); err == nil {
			have[id] = in
		}
	}
	writeJSON(w, http.StatusOK, have)
}
