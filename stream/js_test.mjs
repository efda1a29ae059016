// Run by TestJSDecoder (js_test.go) as: node js_test.mjs golden-*.bin
// Decodes the Go-encoded golden messages with stream.js and prints JSON:
// the SHA-256 of the frame buffer after each frame message, and a few input
// messages encoded by stream.js for the Go side to decode.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as stream from '../site/web/static/js/stream.js';

const dec = new stream.Decoder(null);
const hashes = [];
const types = [];
for (const path of process.argv.slice(2)) {
  const { type } = await dec.handle(readFileSync(path));
  types.push(type);
  if (type === stream.MSG.FRAME) {
    hashes.push(createHash('sha256').update(new Uint8Array(dec.fb.data.buffer)).digest('hex'));
  }
}

const hex = (b) => Buffer.from(b).toString('hex');
const inputs = [
  stream.encodeAck(42, 1234.4),
  stream.encodeMouseMove(1919, 1079),
  stream.encodeMouseButton(2, true),
  stream.encodeWheel(-1, 3),
  stream.encodeKey('ShiftLeft', false),
  ...stream.encodeText('héllo ✓'),
  stream.encodeSelectDisplay(1),
  stream.encodeRefresh(),
  stream.encodeQuality(stream.QUALITY_LOSSLESS, 15),
].map(hex);

console.log(JSON.stringify({
  hashes, types, inputs,
  skippedJPEG: dec.skippedJPEG,
  state: dec.state,
  cursor: dec.cursor && { x: dec.cursor.x, y: dec.cursor.y, w: dec.cursor.w, h: dec.cursor.h },
  screen: dec.screen && { width: dec.screen.width, height: dec.screen.height, names: dec.screen.displays.map((d) => d.name) },
  badKey: stream.encodeKey('Bad Code', true),
  longText: stream.encodeText('x'.repeat(2500)).length,
}));
