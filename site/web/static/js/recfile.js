// Parser of Tether session recordings (docs/RECORDING.md; Go twin:
// site/recording). parseRecording(ArrayBuffer) returns the header's meta,
// every record (time in milliseconds since meta.started, payload as a
// Uint8Array view into the buffer) and the index of full frames: the
// file's own when it was closed, else one built by a scan, as the site
// does for a file it could not close.
import { MSG } from "./stream.js";

export const KIND = {
  STREAM_START: 0x01, STREAM_END: 0x02, VIEW_OUT: 0x10, VIEW_IN: 0x11,
  SHELL_OUT: 0x20, SHELL_CTL: 0x21, CHAT: 0x30, FILE: 0x31, GAP: 0x40, INDEX: 0x7f,
};

const MAGIC = [0x89, 0x54, 0x52, 0x45, 0x43, 0x0d, 0x0a, 0x1a];
const TRAILER = "TRECIDX\n";
const HEAD = 15; // length, kind, stream, time
const VERSION = 1;

const dec = new TextDecoder();

// u64 reads a little-endian u64 as a Number (times are below 2^53 µs).
function u64(v, o) { return v.getUint32(o + 4, true) * 4294967296 + v.getUint32(o, true); }

export function parseRecording(buf) {
  const u8 = new Uint8Array(buf);
  const v = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (u8.length < 14 || MAGIC.some((b, i) => u8[i] !== b)) throw new Error("not a Tether recording");
  if (v.getUint16(8, true) !== VERSION) throw new Error(`recording version ${v.getUint16(8, true)} is not supported`);
  const metaLen = v.getUint32(10, true);
  if (14 + metaLen > u8.length) throw new Error("recording header cut short");
  const meta = JSON.parse(dec.decode(u8.subarray(14, 14 + metaLen)));
  const first = 14 + metaLen;
  let end = u8.length;
  let index = null;
  const trailer = u8.length >= first + HEAD + 16 ? dec.decode(u8.subarray(u8.length - 8)) : "";
  if (trailer === TRAILER) {
    const at = u64(v, u8.length - 16);
    if (at < first || at > u8.length - 16 - HEAD || u8[at + 4] !== KIND.INDEX) throw new Error("recording trailer is bad");
    index = parseIndex(v, at + HEAD, u8.length - 16);
    end = at;
  }
  const records = [];
  let last = 0;
  for (let o = first; o < end;) {
    if (end - o < HEAD) break; // cut short: the file was still being written
    const len = v.getUint32(o, true);
    if (len < 11) throw new Error(`recording: bad record at ${o}`);
    if (o + 4 + len > end) {
      if (index) throw new Error(`recording: record at ${o} runs past the index`);
      break;
    }
    const t = u64(v, o + 7) / 1000;
    if (t < last) throw new Error(`recording: record at ${o} goes back in time`);
    last = t;
    records.push({ off: o, kind: u8[o + 4], stream: v.getUint16(o + 5, true), t, payload: u8.subarray(o + HEAD, o + 4 + len) });
    o += 4 + len;
  }
  return { meta, records, index: index || buildIndex(records), duration: last, closed: !!index };
}

function parseIndex(v, o, end) {
  const n = v.getUint32(o + 10, true);
  if (o + 14 + n * 42 !== end) throw new Error("recording index is bad");
  const out = [];
  for (let i = 0, p = o + 14; i < n; i++, p += 42) {
    out.push({ t: u64(v, p) / 1000, stream: v.getUint16(p + 8, true), frame: u64(v, p + 10),
      screen: u64(v, p + 18), state: u64(v, p + 26), cursor: u64(v, p + 34) });
  }
  return out;
}

// buildIndex does what the site's indexer does: every full frame of a view
// stream with the stream's last screen, state and cursor shape before it.
export function buildIndex(records) {
  const ctx = new Map();
  const out = [];
  for (const r of records) {
    if (r.kind !== KIND.VIEW_OUT || r.payload.length === 0) continue;
    const c = ctx.get(r.stream) || { screen: 0, state: 0, cursor: 0 };
    ctx.set(r.stream, c);
    const p = r.payload;
    // Offsets of the flags byte: cursor after type, x, y; frame after
    // type, seq, time (VIEW-PROTOCOL; stream/peek.go on the site).
    if (p[0] === MSG.SCREEN) c.screen = r.off;
    else if (p[0] === MSG.STATE) c.state = r.off;
    else if (p[0] === MSG.CURSOR && p.length > 5 && (p[5] & 2)) c.cursor = r.off;
    else if (p[0] === MSG.FRAME && p.length > 13 && (p[13] & 1)) out.push({ t: r.t, stream: r.stream, frame: r.off, ...c });
  }
  return out;
}

// json decodes a record's JSON payload.
export function json(r) { return JSON.parse(dec.decode(r.payload)); }

export function text(r) { return dec.decode(r.payload); }
