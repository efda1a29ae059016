// Run by TestJSPlayer (js_test.go) as: node js_test.mjs FILE [µs …]
// Parses a recording with the console's recfile.js and seeks with its
// player.js (a canvas-less Decoder keeps only the frame buffer), and
// prints JSON for the Go side to compare with its own reader and decoder.
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { parseRecording, buildIndex } from "../web/static/js/recfile.js";
import { Player } from "../web/static/js/player.js";

const [file, ...targets] = process.argv.slice(2);
const b = readFileSync(file);
const rec = parseRecording(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));
const us = (ms) => Math.round(ms * 1000);
const entry = (e) => ({ t: us(e.t), stream: e.stream, frame: e.frame, screen: e.screen, state: e.state, cursor: e.cursor });
const player = new Player(rec, { canvas: { getContext: () => null } });
const hashes = [];
for (const t of targets) {
  await player.seek(Number(t) / 1000);
  hashes.push(createHash("sha256").update(player.view.dec.fb.data).digest("hex"));
}
console.log(JSON.stringify({
  meta: rec.meta, closed: rec.closed, duration: us(rec.duration),
  records: rec.records.map((r) => ({ off: r.off, kind: r.kind, stream: r.stream, t: us(r.t), len: r.payload.length })),
  index: rec.index.map(entry), scanned: buildIndex(rec.records).map(entry), hashes,
}));
