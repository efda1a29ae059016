// Tether view-channel viewer: decodes the agent's screen messages into a
// canvas and encodes the technician's input. Wire format:
// docs/VIEW-PROTOCOL.md; Go twin: package stream (decoder.go, input.go).
//
// Usage:
//   import { connect } from '/static/js/stream.js';
//   const ws = new WebSocket(url);
//   const view = connect(ws, canvas, { onScreen, onState, onError });
//   view.refresh(); view.selectDisplay(id); view.setQuality(q, fps); view.close();
import { decompress } from '../vendor/fzstd.js';

export const VERSION = 1;

export const MSG = {
  SCREEN: 0x01, FRAME: 0x02, CURSOR: 0x03, STATE: 0x04,
  ACK: 0x10, MOUSE_MOVE: 0x11, MOUSE_BUTTON: 0x12, WHEEL: 0x13, KEY: 0x14,
  TEXT: 0x15, SELECT: 0x16, REFRESH: 0x17, QUALITY: 0x18,
};

export const CODEC = { ZSTD: 0, XOR_ZSTD: 1, JPEG: 2, JPEG_HALF: 3 };

const MAX_DIM = 8192;
const MAX_TEXT = 1024;
export const QUALITY_LOSSLESS = 255;

// ---- viewer -> agent encoders (all return Uint8Array) ----

function msg(type, size) {
  const b = new Uint8Array(1 + size);
  b[0] = type;
  return [b, new DataView(b.buffer)];
}

export function encodeAck(seq, decodeUS) {
  const [b, v] = msg(MSG.ACK, 8);
  v.setUint32(1, seq >>> 0, true);
  v.setUint32(5, Math.max(0, Math.min(0xffffffff, Math.round(decodeUS))), true);
  return b;
}

export function encodeMouseMove(x, y) {
  const [b, v] = msg(MSG.MOUSE_MOVE, 4);
  v.setUint16(1, clamp(x, 0, 0xffff), true);
  v.setUint16(3, clamp(y, 0, 0xffff), true);
  return b;
}

// button: DOM MouseEvent.button (0 left, 1 middle, 2 right, 3 back, 4 forward).
export function encodeMouseButton(button, down) {
  return Uint8Array.of(MSG.MOUSE_BUTTON, button, down ? 1 : 0);
}

export function encodeWheel(dx, dy) {
  const [b, v] = msg(MSG.WHEEL, 4);
  v.setInt16(1, clamp(dx, -32768, 32767), true);
  v.setInt16(3, clamp(dy, -32768, 32767), true);
  return b;
}

const KEY_CODE = /^[A-Za-z0-9]{1,32}$/;

// code: KeyboardEvent.code. Returns null for codes the agent would reject.
export function encodeKey(code, down) {
  if (!KEY_CODE.test(code)) return null;
  const b = new Uint8Array(2 + code.length);
  b[0] = MSG.KEY;
  b[1] = down ? 1 : 0;
  for (let i = 0; i < code.length; i++) b[2 + i] = code.charCodeAt(i);
  return b;
}

// Returns one message per chunk of at most MAX_TEXT UTF-8 bytes, split on
// code point boundaries.
export function encodeText(s) {
  const out = [];
  const enc = new TextEncoder();
  let chunk = '';
  for (const ch of s) {
    if (enc.encode(chunk + ch).length > MAX_TEXT) {
      out.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) out.push(chunk);
  return out.map((c) => {
    const u = enc.encode(c);
    const b = new Uint8Array(1 + u.length);
    b[0] = MSG.TEXT;
    b.set(u, 1);
    return b;
  });
}

export function encodeSelectDisplay(id) { return Uint8Array.of(MSG.SELECT, id); }
export function encodeRefresh() { return Uint8Array.of(MSG.REFRESH); }
// quality: 0 auto, 1..100 JPEG cap, 255 lossless; fps: 0 auto, 1..60.
export function encodeQuality(quality, fps) { return Uint8Array.of(MSG.QUALITY, quality, fps); }

function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, Math.round(v))); }

// ---- agent -> viewer decoding ----

class Reader {
  constructor(buf) {
    this.u8 = new Uint8Array(buf);
    this.v = new DataView(this.u8.buffer, this.u8.byteOffset, this.u8.byteLength);
    this.o = 1; // after the type byte
  }
  need(n) { if (this.o + n > this.u8.length) throw new Error('stream: truncated message'); }
  byte() { this.need(1); return this.u8[this.o++]; }
  u16() { this.need(2); const x = this.v.getUint16(this.o, true); this.o += 2; return x; }
  i16() { this.need(2); const x = this.v.getInt16(this.o, true); this.o += 2; return x; }
  i32() { this.need(4); const x = this.v.getInt32(this.o, true); this.o += 4; return x; }
  u32() { this.need(4); const x = this.v.getUint32(this.o, true); this.o += 4; return x; }
  u64() { const lo = this.u32(); return this.u32() * 4294967296 + lo; }
  bytes(n) { this.need(n); const b = this.u8.subarray(this.o, this.o + n); this.o += n; return b; }
  end() { if (this.o !== this.u8.length) throw new Error('stream: trailing bytes'); }
}

export function parseScreen(r) {
  const version = r.byte();
  if (version !== VERSION) throw new Error(`stream: unsupported protocol version ${version}`);
  const s = { current: r.byte(), width: r.u16(), height: r.u16(), displays: [] };
  const n = r.byte();
  if (s.width < 1 || s.width > MAX_DIM || s.height < 1 || s.height > MAX_DIM || n < 1 || s.current >= n) {
    throw new Error('stream: bad screen message');
  }
  const dec = new TextDecoder();
  for (let i = 0; i < n; i++) {
    const d = { id: r.byte(), x: r.i32(), y: r.i32(), width: r.u16(), height: r.u16() };
    d.primary = (r.byte() & 1) === 1;
    d.name = dec.decode(r.bytes(r.byte()));
    s.displays.push(d);
  }
  r.end();
  return s;
}

export function parseFrame(r) {
  const f = { seq: r.u32(), timeUS: r.u64(), full: (r.byte() & 1) === 1, rects: [] };
  const n = r.u16();
  for (let i = 0; i < n; i++) {
    const rc = { x: r.u16(), y: r.u16(), w: r.u16(), h: r.u16(), codec: r.byte() };
    rc.data = r.bytes(r.u32());
    if (rc.w < 1 || rc.h < 1 || rc.codec > CODEC.JPEG_HALF) throw new Error('stream: bad rect');
    f.rects.push(rc);
  }
  r.end();
  return f;
}

function parseCursor(r) {
  const c = { x: r.i16(), y: r.i16() };
  const fl = r.byte();
  c.visible = (fl & 1) !== 0;
  if (fl & 2) {
    c.hotX = r.u16(); c.hotY = r.u16(); c.w = r.u16(); c.h = r.u16();
    if (c.w < 1 || c.h < 1 || c.w > 256 || c.h > 256) throw new Error('stream: bad cursor');
    c.pix = r.bytes(c.w * c.h * 4).slice();
  }
  r.end();
  return c;
}

function parseState(r) {
  const fl = r.byte();
  r.end();
  return { controlAllowed: (fl & 1) !== 0, paused: (fl & 2) !== 0, noDisplay: (fl & 4) !== 0 };
}

// zstdContentSize returns the Frame_Content_Size of a zstd frame, or -1
// when absent (the agent always writes it) or the header is not zstd.
export function zstdContentSize(b) {
  if (b.length < 6 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) return -1;
  const fhd = b[4];
  const single = (fhd >> 5) & 1;
  const fcsLen = [single, 2, 4, 8][fhd >> 6];
  const o = 5 + (single ? 0 : 1) + [0, 1, 2, 4][fhd & 3];
  if (fcsLen === 0 || b.length < o + fcsLen) return -1;
  const v = new DataView(b.buffer, b.byteOffset + o, fcsLen);
  switch (fcsLen) {
    case 1: return v.getUint8(0);
    case 2: return v.getUint16(0, true) + 256;
    case 4: return v.getUint32(0, true);
    default: return v.getUint32(4, true) ? -1 : v.getUint32(0, true);
  }
}

// Decoder keeps the frame buffer (an RGBA ImageData-like object of the
// screen size) and paints changed rectangles into ctx, a 2D context, when
// given. Without ctx (tests under node) only the frame buffer is updated
// and JPEG rectangles are counted in skippedJPEG.
export class Decoder {
  constructor(ctx) {
    this.ctx = ctx || null;
    this.screen = null;
    this.state = null;
    this.cursor = null;
    this.fb = null;
    this.fb32 = null;
    this.skippedJPEG = 0;
  }

  // handle applies one message (ArrayBuffer or Uint8Array) and resolves to
  // { type, msg }. It is async because JPEG decoding is; callers must await
  // each message before handling the next so rectangles apply in order.
  async handle(buf) {
    const r = new Reader(buf);
    if (r.u8.length === 0) throw new Error('stream: empty message');
    const type = r.u8[0];
    switch (type) {
      case MSG.SCREEN: return { type, msg: this.setScreen(parseScreen(r)) };
      case MSG.FRAME: {
        const f = parseFrame(r);
        await this.applyFrame(f);
        return { type, msg: f };
      }
      case MSG.CURSOR: {
        const c = parseCursor(r);
        if (!c.pix && this.cursor) Object.assign(c, { hotX: this.cursor.hotX, hotY: this.cursor.hotY, w: this.cursor.w, h: this.cursor.h, pix: this.cursor.pix });
        this.cursor = c;
        return { type, msg: c };
      }
      case MSG.STATE: return { type, msg: (this.state = parseState(r)) };
    }
    throw new Error(`stream: unknown message type ${type}`);
  }

  setScreen(s) {
    this.screen = s;
    if (!this.fb || this.fb.width !== s.width || this.fb.height !== s.height) {
      const data = new Uint8ClampedArray(s.width * s.height * 4);
      this.fb = typeof ImageData === 'function' ? new ImageData(data, s.width, s.height) : { data, width: s.width, height: s.height };
      this.fb32 = new Uint32Array(data.buffer);
      if (this.ctx) {
        this.ctx.canvas.width = s.width;
        this.ctx.canvas.height = s.height;
      }
    }
    return s;
  }

  async applyFrame(f) {
    if (!this.fb) throw new Error('stream: frame before screen');
    for (const rc of f.rects) {
      if (rc.x + rc.w > this.fb.width || rc.y + rc.h > this.fb.height) throw new Error('stream: rect outside screen');
      if (rc.codec === CODEC.JPEG || rc.codec === CODEC.JPEG_HALF) await this.applyJPEG(rc);
      else this.applyZstd(rc);
    }
  }

  applyZstd(rc) {
    const n = rc.w * rc.h;
    // Check the declared size before fzstd allocates it, so a bad payload
    // cannot make us allocate more than the rectangle. (Passing fzstd an
    // output buffer would bound it too, but is ~30x slower: measured.)
    if (zstdContentSize(rc.data) !== 3 * n) throw new Error('stream: zstd size mismatch');
    const planes = decompress(rc.data);
    if (planes.length !== 3 * n) throw new Error('stream: zstd size mismatch');
    const fb32 = this.fb32;
    const W = this.fb.width;
    const xor = rc.codec === CODEC.XOR_ZSTD;
    let i = 0;
    for (let y = 0; y < rc.h; y++) {
      let o = (rc.y + y) * W + rc.x;
      const end = o + rc.w;
      // Little-endian: RGBA bytes are the word A<<24 | B<<16 | G<<8 | R.
      if (xor) {
        for (; o < end; o++, i++) fb32[o] ^= planes[i] | (planes[n + i] << 8) | (planes[2 * n + i] << 16);
      } else {
        for (; o < end; o++, i++) fb32[o] = planes[i] | (planes[n + i] << 8) | (planes[2 * n + i] << 16) | 0xff000000;
      }
    }
    if (this.ctx) this.ctx.putImageData(this.fb, 0, 0, rc.x, rc.y, rc.w, rc.h);
  }

  async applyJPEG(rc) {
    if (!this.ctx) { this.skippedJPEG++; return; }
    // The frame buffer is not updated: the agent never XORs against
    // pixels it sent as JPEG, so only the canvas needs them.
    const bmp = await createImageBitmap(new Blob([rc.data], { type: 'image/jpeg' }));
    // Half-size JPEGs (motion) are drawn scaled up to the rectangle.
    this.ctx.drawImage(bmp, rc.x, rc.y, rc.w, rc.h);
    bmp.close();
  }
}

// connect wires a WebSocket to a canvas: it decodes and paints the agent's
// messages, acknowledges frames, and forwards mouse, wheel and keyboard
// input from the canvas. opts: onScreen(screen), onState(state),
// onCursor(cursor), onError(err), input (default true). The canvas gets
// tabIndex 0 so it can take keyboard focus.
export function connect(ws, canvas, opts = {}) {
  ws.binaryType = 'arraybuffer';
  const dec = new Decoder(canvas.getContext('2d', { alpha: false }));
  let chain = Promise.resolve();
  const send = (b) => { if (b && ws.readyState === 1) ws.send(b); };
  ws.addEventListener('message', (ev) => {
    if (typeof ev.data === 'string') return;
    // Serialise: a JPEG rect must be painted before later rects.
    chain = chain.then(async () => {
      const t0 = performance.now();
      const { type, msg } = await dec.handle(ev.data);
      if (type === MSG.FRAME) send(encodeAck(msg.seq, (performance.now() - t0) * 1000));
      else if (type === MSG.SCREEN) opts.onScreen?.(msg);
      else if (type === MSG.STATE) opts.onState?.(msg);
      else if (type === MSG.CURSOR) opts.onCursor?.(msg);
    }).catch((err) => {
      opts.onError?.(err);
      ws.close(4000, 'bad stream message');
    });
  });
  const detach = opts.input === false ? () => {} : attachInput(canvas, send);
  return {
    decoder: dec,
    refresh: () => send(encodeRefresh()),
    selectDisplay: (id) => send(encodeSelectDisplay(id)),
    setQuality: (q, fps) => send(encodeQuality(q, fps)),
    sendText: (s) => encodeText(s).forEach(send),
    // sendChord presses codes in order and releases them in reverse
    // (Ctrl+Alt+Del from the toolbar).
    sendChord: (codes) => {
      for (const c of codes) send(encodeKey(c, true));
      for (const c of [...codes].reverse()) send(encodeKey(c, false));
    },
    close: () => { detach(); ws.close(); },
  };
}

// attachInput installs the canvas listeners and returns a function removing
// them. Pressed keys and buttons are released when the canvas loses focus,
// so nothing stays stuck on the remote side.
function attachInput(canvas, send) {
  canvas.tabIndex = 0;
  const keys = new Set();
  const buttons = new Set();
  let lastX = -1, lastY = -1, wheelX = 0, wheelY = 0;
  const pos = (e) => {
    const r = canvas.getBoundingClientRect();
    return [Math.floor((e.clientX - r.left) * canvas.width / r.width), Math.floor((e.clientY - r.top) * canvas.height / r.height)];
  };
  const move = (e) => {
    const [x, y] = pos(e);
    if (x === lastX && y === lastY) return;
    lastX = x; lastY = y;
    send(encodeMouseMove(x, y));
  };
  const on = {
    mousemove: move,
    mousedown: (e) => { canvas.focus(); move(e); buttons.add(e.button); send(encodeMouseButton(e.button, true)); e.preventDefault(); },
    mouseup: (e) => { move(e); buttons.delete(e.button); send(encodeMouseButton(e.button, false)); e.preventDefault(); },
    contextmenu: (e) => e.preventDefault(),
    wheel: (e) => {
      // Pixel deltas to notches (~100 px each), keeping the remainder so
      // touchpads scroll smoothly.
      const k = e.deltaMode === 1 ? 1 / 3 : e.deltaMode === 2 ? 1 : 1 / 100;
      wheelX += e.deltaX * k; wheelY += e.deltaY * k;
      const dx = Math.trunc(wheelX), dy = Math.trunc(wheelY);
      if (dx || dy) { wheelX -= dx; wheelY -= dy; send(encodeWheel(dx, dy)); }
      e.preventDefault();
    },
    keydown: (e) => {
      const m = encodeKey(e.code, true);
      if (m) { keys.add(e.code); send(m); } else if (e.key.length === 1) encodeText(e.key).forEach(send);
      e.preventDefault();
    },
    keyup: (e) => { if (keys.delete(e.code)) send(encodeKey(e.code, false)); e.preventDefault(); },
    compositionend: (e) => { if (e.data) encodeText(e.data).forEach(send); },
    paste: (e) => { const t = e.clipboardData?.getData('text'); if (t) encodeText(t).forEach(send); e.preventDefault(); },
    blur: () => {
      for (const c of keys) send(encodeKey(c, false));
      for (const b of buttons) send(encodeMouseButton(b, false));
      keys.clear(); buttons.clear();
    },
  };
  for (const [k, f] of Object.entries(on)) canvas.addEventListener(k, f, { passive: false });
  return () => { for (const [k, f] of Object.entries(on)) canvas.removeEventListener(k, f); };
}
