package site

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tetherhq/tether/site/recording"
)

// A session's recording is written by the node that relayed its views —
// the node holding the agent then — into that node's data directory. A
// request for it that lands on another node is forwarded to the node that
// has the file; which one that is, the nodes ask each other over their
// tunnels (recordingNode), as nothing else remembers it once the agent
// has left.

// clusterPath prefixes the questions nodes ask each other through their
// tunnels; the public listener has no such route.
const clusterPath = "/cluster/v1/"

// recordingProbeTimeout bounds how long a node waits for the others to say
// whether they have a recording.
const recordingProbeTimeout = 3 * time.Second

// recordingNode is the other node that has the recording of session {id},
// or "" (this node has it, or nobody does: served here, which answers
// no_recording). As for agentNode, only callers that present credentials
// are looked up.
func (s *Server) recordingNode(r *http.Request) string {
	if r.Header.Get("Authorization") == "" {
		if _, err := r.Cookie(cookieName); err != nil {
			return ""
		}
	}
	path := s.recordings.Path(r.PathValue("id"))
	if path == "" {
		return ""
	}
	if _, err := os.Stat(path); err == nil {
		return ""
	}
	return s.findRecording(r.Context(), r.PathValue("id"))
}

// findRecording asks every other node at once whether it has the
// recording of session id; the first that does is the answer.
func (s *Server) findRecording(ctx context.Context, id string) string {
	peers := s.cluster.Peers()
	if len(peers) == 0 {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, recordingProbeTimeout)
	defer cancel()
	found := make(chan string, len(peers))
	for _, n := range peers {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+n+nodeHostSuffix+clusterPath+"recordings/"+id, nil)
			res, err := s.proxy.Transport.RoundTrip(req)
			if err != nil {
				found <- ""
				return
			}
			res.Body.Close()
			if res.StatusCode == http.StatusNoContent {
				found <- n
			} else {
				found <- ""
			}
		}()
	}
	for range peers {
		select {
		case n := <-found:
			if n != "" {
				return n
			}
		case <-ctx.Done():
			return ""
		}
	}
	return ""
}

// othersRecordings fills in, for views of recorded sessions whose file
// this node does not have, what the other nodes say of theirs: one
// question per node for the whole list (a session list shows up to 500).
func (s *Server) othersRecordings(ctx context.Context, views []*sessionView) {
	peers := s.cluster.Peers()
	if len(peers) == 0 {
		return
	}
	missing := map[string]*sessionView{}
	var ids []string
	for _, v := range views {
		if v.Recorded && v.Recording == nil {
			missing[v.ID] = v
			ids = append(ids, v.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	body, _ := json.Marshal(ids)
	ctx, cancel := context.WithTimeout(ctx, recordingProbeTimeout)
	defer cancel()
	answers := make(chan map[string]recording.Info, len(peers))
	for _, n := range peers {
		go func() {
			var got map[string]recording.Info
			req, _ := http.NewRequestWithContext(ctx, "POST", "http://"+n+nodeHostSuffix+clusterPath+"recordings", bytes.NewReader(body))
			if res, err := s.proxy.Transport.RoundTrip(req); err == nil {
				if res.StatusCode == http.StatusOK {
					json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&got)
				}
				res.Body.Close()
			}
			answers <- got
		}()
	}
	for range peers {
		select {
		case got := <-answers:
			for id, in := range got {
				if v := missing[id]; v != nil && v.Recording == nil {
					v.Recording = &in
				}
			}
		case <-ctx.Done():
			return
		}
	}
}

// serveNodeQuestion answers another node: GET recordings/{id}, 204 "I
// have the recording of this session", else 404; POST recordings with a
// list of session IDs, the recordings of those that this node has.
func (s *Server) serveNodeQuestion(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == clusterPath+"recordings" && r.Method == http.MethodPost {
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
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, clusterPath+"recordings/")
	path := s.recordings.Path(id)
	if !ok || r.Method != http.MethodGet || path == "" {
		http.NotFound(w, r)
		return
	}
	if _, err := os.Stat(path); err != nil {
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
