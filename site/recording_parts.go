package site

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// Response headers of a recording download (docs/API.md "Recordings").
const (
	recordingActiveHeader     = "X-Tether-Recording"
	recordingPartsHeader      = "X-Tether-Recording-Parts"
	recordingUnansweredHeader = "X-Tether-Recording-Unanswered"
)

// recordingPart is one node's file of a session's recording, open for
// reading: this node's own file, or another node's fetched into scratch.
type recordingPart struct {
	node   string // "" for this node
	f      readerAtCloser
	size   int64 // what is read of it: a file being written grows
	mod    time.Time
	active bool // still being written
}

func (p *recordingPart) Close() error { return p.f.Close() }

// recordingParts collects every part of session id's recording: this
// node's file and those of the other nodes that say they hold one, fetched
// through the tunnels at once. The nodes that did not answer in time, or
// whose transfer failed or stalled, are unanswered: what they hold is
// missing, and the caller says so. Close the parts.
func (s *Server) recordingParts(ctx context.Context, id string) (parts []*recordingPart, unanswered []string, err error) {
	local, err := s.localRecordingPart(id)
	if err != nil {
		return nil, nil, fmt.Errorf("recording: %w", err)
	}
	if local != nil {
		parts = append(parts, local)
	}
	answers, unanswered := s.askRecordings(ctx, []string{id}, false)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, a := range answers {
		in, ok := a.have[id]
		if !ok {
			continue
		}
		wg.Go(func() {
			p, err := s.fetchRecordingPart(ctx, a.node, id, in.Size)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				s.log.Warn("recording: a part from another node is missing", "session", id, "node", a.node, "err", err)
				unanswered = append(unanswered, a.node)
				return
			}
			parts = append(parts, p)
		})
	}
	wg.Wait()
	slices.Sort(unanswered)
	return parts, unanswered, nil
}

// fetchRecordingPart copies node's file of session id, announced as
// announced bytes, into scratch. The node must start answering within
// recordingProbeTimeout, a read may not stall longer than that, the whole
// transfer may not run below partMinRate, and the node may not send more
// than announced plus partGrowth (a part still being recorded grows): a
// node that dies mid-way, or sends without end, must not hold the
// download up or fill the disk live recordings write to.
func (s *Server) fetchRecordingPart(ctx context.Context, node, id string, announced int64) (*recordingPart, error) {
	limit := max(announced, 0) + partGrowth
	ctx, cancel := context.WithTimeout(ctx, recordingProbeTimeout+time.Duration(limit/partMinRate)*time.Second)
	defer cancel()
	stall := time.AfterFunc(recordingProbeTimeout, cancel)
	defer stall.Stop()
	req, _ := http.NewRequestWithContext(ctx, "GET",
		"http://"+node+nodeHostSuffix+clusterPath+"recording?session="+url.QueryEscape(id), nil)
	res, err := s.proxy.Transport.RoundTrip(req)
	if err != nil {
		return nil, fmt.Errorf("recording part: %w", err)
	}
	stall.Stop() // from here on it times each read only (stallReader)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("recording part: node answered %s", res.Status)
	}
	if res.ContentLength > limit {
		return nil, fmt.Errorf("recording part: %d bytes, announced %d", res.ContentLength, announced)
	}
	f, err := s.recordings.Scratch()
	if err != nil {
		return nil, err
	}
	n, err := io.Copy(f, io.LimitReader(&stallReader{r: res.Body, t: stall}, limit+1))
	switch {
	case err == nil && n > limit:
		err = fmt.Errorf("more than the %d bytes announced", announced)
	case err == nil && res.ContentLength >= 0 && n != res.ContentLength:
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		f.Close()
		if ctx.Err() != nil && !errors.Is(err, context.Canceled) {
			err = fmt.Errorf("%w (%w)", err, ctx.Err())
		}
		return nil, fmt.Errorf("recording part: %w", err)
	}
	mod, _ := http.ParseTime(res.Header.Get("Last-Modified"))
	return &recordingPart{node: node, f: f, size: n, mod: mod,
		active: res.Header.Get(recordingActiveHeader) == "active"}, nil
}

// partGrowth is how much more than announced a part may bring (a part
// still being recorded grows between the question and the transfer);
// partMinRate the slowest transfer waited for, in bytes a second.
const (
	partGrowth  = 64 << 20
	partMinRate = 1 << 20
)

// stallReader times each read of the transfer, and only the reads: the
// timer fires when the node stalls, not when the local disk is slow.
type stallReader struct {
	r io.Reader
	t *time.Timer
}

func (s *stallReader) Read(p []byte) (int, error) {
	s.t.Reset(recordingProbeTimeout)
	n, err := s.r.Read(p)
	s.t.Stop()
	return n, err
}
