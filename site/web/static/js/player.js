// Playback of a parsed recording (recfile.js). A view replays through
// stream.js's Decoder — the same code that draws a live view — onto the
// canvas; a shell replays its output into an xterm.js terminal.
//
// Seeking: the view stream is delta-encoded, so a seek goes to the index's
// last full frame of the stream before the target, applies the stream's
// screen, state and cursor from before it, then every message of the
// stream from that frame up to the target (docs/RECORDING.md).
import { Decoder } from "./stream.js";
import { KIND, json } from "./recfile.js";

export class Player {
  // opts: canvas, terminal (an xterm.js Terminal or null), onTime(t),
  // onShow({view, shell}): which of the two has something to show.
  constructor(rec, opts) {
    this.rec = rec;
    this.o = opts;
    this.byOff = new Map(rec.records.map((r, i) => [r.off, i]));
    this.streams = streamsOf(rec);
    this.t = 0;          // ms, what is shown
    this.pos = 0;        // next record to apply
    this.speed = 1;
    this.playing = false;
    this.busy = Promise.resolve();
    this.view = null;    // { n, dec } of the view stream shown
    this.shell = null;   // stream number of the shell shown
  }

  // at returns the stream of kind shown at t: the latest one started by
  // then (after a view ended, its last picture stays).
  at(kind, t) {
    let best = null;
    for (const s of this.streams.values()) {
      if (s.kind === kind && s.start <= t && (best === null || s.start >= best.start)) best = s;
    }
    return best;
  }

  // seek shows the recording at t (ms).
  seek(t) {
    this.busy = this.busy.then(() => this.seekNow(Math.max(0, Math.min(t, this.rec.duration))));
    return this.busy;
  }

  async seekNow(t) {
    const recs = this.rec.records;
    const pos = upperBound(recs, t);
    this.t = t;
    this.pos = pos;
    await this.showView(this.at("view", t), pos);
    this.showShell(this.at("shell", t), pos);
    this.shown();
    this.o.onTime?.(t);
  }

  async showView(s, pos) {
    if (!s) { this.view = null; return; }
    const dec = new Decoder(this.o.canvas.getContext("2d", { alpha: false }));
    this.view = { n: s.n, dec };
    const recs = this.rec.records;
    let e = null;
    for (const x of this.rec.index) if (x.stream === s.n && x.t <= this.t) e = x;
    if (!e) { // no full frame yet: play from the stream's start
      for (let i = s.first; i < pos; i++) await this.applyView(recs[i], s.n);
    } else {
      for (const off of [e.screen, e.state, e.cursor]) if (off) await this.applyView(recs[this.byOff.get(off)], s.n);
      for (let i = this.byOff.get(e.frame); i < pos; i++) await this.applyView(recs[i], s.n);
    }
  }

  shown() { this.o.onShow?.({ view: this.view !== null, shell: this.shell !== null }); }

  showShell(s, pos) {
    const term = this.o.terminal;
    this.shell = s ? s.n : null;
    if (!s || !term) return;
    term.reset();
    const recs = this.rec.records;
    for (let i = s.first; i < pos; i++) this.applyShell(recs[i]);
  }

  async applyView(r, n) {
    if (!r || r.stream !== n || r.kind !== KIND.VIEW_OUT) return;
    try {
      await this.view.dec.handle(r.payload);
    } catch (e) {
      // After a gap the decoder may meet a delta it has no base for; the
      // next full frame repairs the picture.
    }
  }

  applyShell(r) {
    if (r.stream !== this.shell) return;
    if (r.kind === KIND.SHELL_OUT) this.o.terminal.write(r.payload.slice());
    else if (r.kind === KIND.SHELL_CTL) {
      const m = json(r);
      if (m.resize) this.o.terminal.resize(m.resize.cols, m.resize.rows);
    }
  }

  // step applies the records up to t while playing.
  async step(t) {
    const recs = this.rec.records;
    for (; this.pos < recs.length && recs[this.pos].t <= t; this.pos++) {
      const r = recs[this.pos];
      if (r.kind === KIND.STREAM_START) {
        const s = this.streams.get(r.stream);
        if (s.kind === "view") this.view = { n: s.n, dec: new Decoder(this.o.canvas.getContext("2d", { alpha: false })) };
        if (s.kind === "shell") { this.shell = s.n; this.o.terminal?.reset(); }
        this.shown();
      } else if (this.view && r.kind === KIND.VIEW_OUT) {
        await this.applyView(r, this.view.n);
      } else if (this.shell !== null && this.o.terminal) {
        this.applyShell(r);
      }
    }
    this.t = t;
    this.o.onTime?.(t);
  }

  play() {
    if (this.playing) return;
    if (this.t >= this.rec.duration) this.seek(0);
    this.playing = true;
    let wall = performance.now();
    const tick = () => {
      // Inside the chain, so that a seek queued before it moved this.t.
      this.busy = this.busy.then(async () => {
        if (!this.playing) return;
        const now = performance.now();
        const t = Math.min(this.t + (now - wall) * this.speed, this.rec.duration);
        wall = now;
        await this.step(t);
        if (t >= this.rec.duration) this.pause();
        else requestAnimationFrame(tick);
      });
    };
    requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    this.o.onPause?.();
  }
}

// streamsOf lists the recording's streams: kind, who, start and end times,
// the index of their first record.
function streamsOf(rec) {
  const out = new Map();
  rec.records.forEach((r, i) => {
    if (r.kind === KIND.STREAM_START) {
      const info = json(r);
      out.set(r.stream, { n: r.stream, kind: info.kind, info, start: r.t, end: rec.duration, first: i });
    } else if (r.kind === KIND.STREAM_END && out.has(r.stream)) {
      out.get(r.stream).end = r.t;
    }
  });
  return out;
}

// upperBound is the index of the first record after t.
function upperBound(recs, t) {
  let lo = 0, hi = recs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (recs[mid].t <= t) lo = mid + 1; else hi = mid;
  }
  return lo;
}
