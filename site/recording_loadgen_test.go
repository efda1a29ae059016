//go:build linux

package site_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/tetherhq/tether/agent"
	"github.com/tetherhq/tether/wire"
)

// The child of BenchmarkRecordingOverhead: a support app whose view
// replays a recorded stream, and the technician's viewer reading it.

const recordingLoadEnv = "TETHER_RECORDING_LOADGEN"

type recordingLoadConfig struct {
	URL, Token, Session, App, SecurityCode, Messages, State string
	Repeat                                                  int
}

func init() {
	if c := os.Getenv(recordingLoadEnv); c != "" {
		os.Exit(recordingLoad(c))
	}
}

// recordingLoad prints "ready" once the view is up, waits for "go" on
// stdin, has the agent send the messages (the first once, the others
// Repeat times), and prints a JSON recordingLoadResult once the viewer
// read them all.
func recordingLoad(raw string) int {
	var res recordingLoadResult
	defer func() { json.NewEncoder(os.Stdout).Encode(res) }()
	fail := func(err error) int { res.Err = err.Error(); return 1 }
	var cfg recordingLoadConfig
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		return fail(err)
	}
	msgs, err := readMessages(cfg.Messages)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := make(chan struct{})
	replay := func(ctx context.Context, v *wire.View, s *agent.Support) {
		c := s.Config()
		conn, err := agent.Dial(ctx, c.SiteURL, c.CertPin, "/agent/v1/stream/"+url.PathEscape(v.Stream)+"?token="+url.QueryEscape(string(v.Token)))
		if err != nil {
			return
		}
		defer conn.CloseNow()
		go func() { // acks, and the refreshes a recording site asks for
			for conn.Read(ctx); ctx.Err() == nil; conn.Read(ctx) {
			}
		}()
		conn.Write(ctx, websocket.MessageBinary, msgs[0])
		<-start
		for range cfg.Repeat {
			for _, m := range msgs[1:] {
				if conn.Write(ctx, websocket.MessageBinary, m) != nil {
					return
				}
			}
		}
		<-ctx.Done()
	}
	go agent.RunSupport(ctx, agent.SupportOptions{Executable: cfg.App, StateDir: cfg.State, SecurityCode: cfg.SecurityCode,
		AllowControl: true, Stdin: strings.NewReader(""), Stdout: io.Discard, OnView: replay})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	viewer, err := openViewer(ctx, client, cfg)
	if err != nil {
		return fail(err)
	}
	defer viewer.CloseNow()
	viewer.SetReadLimit(64 << 20)
	if _, _, err := viewer.Read(ctx); err != nil {
		return fail(err)
	}
	fmt.Println("ready")
	bufio.NewReader(os.Stdin).ReadString('\n')
	close(start)
	want := int64(cfg.Repeat * (len(msgs) - 1))
	for res.Msgs < want {
		_, b, err := viewer.Read(ctx)
		if err != nil {
			return fail(err)
		}
		res.Msgs++
		res.Bytes += int64(len(b))
	}
	viewer.Close(websocket.StatusNormalClosure, "done")
	return 0
}

// openViewer waits for the support app to be activated and opens a view.
func openViewer(ctx context.Context, client *http.Client, cfg recordingLoadConfig) (*websocket.Conn, error) {
	hdr := http.Header{"Authorization": {"Bearer " + cfg.Token}, "Content-Type": {"application/json"}}
	var grant struct{ Stream, Token string }
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(ctx, "POST", cfg.URL+"/api/v1/sessions/"+cfg.Session+"/view", strings.NewReader(`{"password":"access-pw"}`))
		req.Header = hdr.Clone()
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		err = json.NewDecoder(res.Body).Decode(&grant)
		res.Body.Close()
		if res.StatusCode == http.StatusCreated && err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("view: %d", res.StatusCode)
		}
	}
	u := strings.Replace(cfg.URL, "https", "wss", 1) + "/api/v1/sessions/" + cfg.Session + "/stream/" + grant.Stream + "?token=" + url.QueryEscape(grant.Token)
	conn, _, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: client, HTTPHeader: http.Header{"Authorization": hdr["Authorization"]}})
	return conn, err
}

func readMessages(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for len(b) >= 4 {
		n := binary.LittleEndian.Uint32(b)
		if int(n) > len(b)-4 {
			return nil, fmt.Errorf("%s: cut short", path)
		}
		out = append(out, b[4:4+n])
		b = b[4+n:]
	}
	return out, nil
}
