package stream

import (
	"time"
)

// flowState is the sender's congestion control. The principle: never queue.
// At most MaxInFlight frames are unacknowledged; while the window is full
// the sender does not grab at all, so the next frame it sends carries the
// newest pixels for all damage accumulated meanwhile (the differ compares
// against the last frame it saw, which is the last one sent). Acks measure
// the round trip and the throughput; from them come the minimum interval
// between frames and the JPEG quality. Guarded by Sender.mu.
type flowState struct {
	ring      [64]sentInfo // by seq % 64
	lastSent  uint32
	lastAcked uint32
	frames    uint64
	bytes     uint64
	rtt       time.Duration // smoothed network round trip
	minRTT    time.Duration // lowest seen: the latency floor
	bw        float64       // smoothed bytes/s, 0 until measured
	avgBytes  float64       // smoothed frame size
	quality   int           // adaptive JPEG quality
	maxFPS    int
	interval  time.Duration
}

type sentInfo struct {
	seq   uint32
	at    time.Time
	bytes int
	jpeg  int // JPEG payload bytes: quality only adapts on those frames
}

func (f *flowState) init(maxFPS int) {
	f.quality = DefaultJPEGQuality
	f.maxFPS = maxFPS
	f.interval = time.Second / time.Duration(maxFPS)
}

func (f *flowState) inFlight() int { return int(f.lastSent - f.lastAcked) }

func (f *flowState) sent(seq uint32, at time.Time, bytes, jpegBytes int) {
	f.lastSent = seq
	f.ring[seq%uint32(len(f.ring))] = sentInfo{seq: seq, at: at, bytes: bytes, jpeg: jpegBytes}
	f.frames++
	f.bytes += uint64(bytes)
	if f.avgBytes == 0 {
		f.avgBytes = float64(bytes)
	} else {
		f.avgBytes += (float64(bytes) - f.avgBytes) / 8
	}
}

// ack records an acknowledgement. Stale, duplicate or future sequence
// numbers (a confused or hostile viewer) are ignored so they cannot open
// the window.
func (f *flowState) ack(a Ack, now time.Time) {
	if d := int32(a.Seq - f.lastAcked); d <= 0 || int32(a.Seq-f.lastSent) > 0 {
		return
	}
	f.lastAcked = a.Seq
	info := f.ring[a.Seq%uint32(len(f.ring))]
	if info.seq != a.Seq || info.at.IsZero() {
		return
	}
	net := now.Sub(info.at) - time.Duration(a.DecodeUS)*time.Microsecond
	net = max(net, 100*time.Microsecond)
	if f.rtt == 0 {
		f.rtt = net
	} else {
		f.rtt += (net - f.rtt) / 8
	}
	if f.minRTT == 0 || net < f.minRTT {
		f.minRTT = net
	}
	// Small frames measure latency, not throughput.
	if info.bytes >= 16<<10 {
		xfer := max(net-f.minRTT, time.Millisecond)
		sample := float64(info.bytes) / xfer.Seconds()
		if f.bw == 0 {
			f.bw = sample
		} else {
			f.bw += (sample - f.bw) / 4
		}
		if info.jpeg > 0 {
			f.adaptQuality(xfer)
		}
	}
}

// adaptQuality lowers JPEG quality when big frames take long to get
// through and raises it again when the link has headroom.
func (f *flowState) adaptQuality(xfer time.Duration) {
	switch {
	case xfer > 150*time.Millisecond:
		f.quality = max(minJPEGQuality, f.quality-10)
	case xfer < 40*time.Millisecond:
		f.quality = min(maxJPEGQuality, f.quality+5)
	}
}

// adapt returns the minimum interval between frames and the JPEG quality
// to use now (0 = lossless only), given the viewer's preference.
func (f *flowState) adapt(pref Quality) (time.Duration, int) {
	fps := f.maxFPS
	if pref.MaxFPS > 0 {
		fps = pref.MaxFPS
	}
	iv := time.Second / time.Duration(fps)
	// Do not produce frames faster than the link drains them: the window
	// would stop us anyway, but later, with staler pixels.
	if f.bw > 0 {
		iv = max(iv, time.Duration(f.avgBytes/f.bw*float64(time.Second)))
	}
	f.interval = min(iv, time.Second)
	q := f.quality
	switch {
	case pref.Quality == QualityLossless:
		q = 0
	case pref.Quality > 0:
		q = min(q, pref.Quality)
	}
	return f.interval, q
}

func (f *flowState) stats() Stats {
	return Stats{Frames: f.frames, Bytes: f.bytes, InFlight: f.inFlight(), RTT: f.rtt,
		Bandwidth: f.bw, Quality: f.quality, Interval: f.interval}
}
