// Run by TestJSPlayer (js_test.go) as: node js_test.mjs FILE [µs …]
// Parses a recording with the console's recfile.js, seeks with its
// player.js and plays through to the same times (a canvas-less Decoder
// keeps only the frame buffer), and prints JSON for the Go side to compare
// with its own reader and decoder.
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
const hash = (p) => createHash("sha256").update(p.view.dec.fb.data).digest("hex");
const hashes = [];
for (const t of targets) {
  await player.seek(Number(t) / 1000);
  hashes.push(hash(player));
}
// The same targets reached by playing from the start, as the page does
// (targets ascend).
const playing = new Player(rec, { canvas: { getContext: () => null } });
const played = [];
for (const t of targets) {
  await playing.step(Number(t) / 1000);
  played.push(hash(playing));
}
console.log(JSON.stringify({
  meta: rec.meta, closed: rec.closed, duration: us(rec.duration),
  records: rec.records.map((r) => ({ off: r.off, kind: r.kind, stream: r.stream, t: us(r.t), len: r.payload.length })),
  index: rec.index.map(entry), scanned: buildIndex(rec.records).map(entry), hashes, played,
}));
