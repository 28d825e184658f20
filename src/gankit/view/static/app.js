// gankit view: draws the events of one run (or sweep) as they arrive from /events.
// Hand-written canvas drawing, no library, nothing fetched from outside this server.
"use strict";

const view = {
  info: null, metrics: [], frames: [], tests: [], grids: [], tables: [], evaluation: null,
  index: 0, follow: true, playing: false, speed: 1, draws: 0, ended: false, dirty: true,
  layers: { heat: true, real: true, fake: true, manifold: true, arrows: true },
};
window.__view = view; // read by the browser tests

const params = new URLSearchParams(location.search);
const runPath = params.get("run") || "";
const $ = (id) => document.getElementById(id);
const colour = (role) => (view.info && view.info.colours[role]) || "#000";

// ------------------------------------------------------------------ events

const source = new EventSource("/events?run=" + encodeURIComponent(runPath));
const on = (kind, handle) => source.addEventListener(kind, (event) => { handle(JSON.parse(event.data)); view.dirty = true; });
on("info", (info) => {
  if (view.info) { // a playground reset or rebuild: a fresh state, old notices and frames go
    view.metrics = []; view.frames = []; view.tests = []; view.index = 0; view.follow = true; showNotice(null);
    $("live-verdict").textContent = ""; // the verdict was about the nets just dropped
  }
  view.info = info;
  view.running = false; // a new state starts paused
  showInfo(info);
});
on("settings", (published) => { // the settings in force after a live change: the page shows exactly these
  Object.assign(view.info, published);
  showInfo(view.info);
});
on("metric", (record) => keepWindow(view.metrics, record));
on("frame", (frame) => { keepWindow(view.frames, frame); followNewest(view.frames.length); });
on("grid", (grid) => { view.grids.push(grid); followNewest(view.grids.length); });
on("table", (snapshot) => { view.tables.push(snapshot); followNewest(view.tables.length); });
on("test", (test) => { keepWindow(view.tests, test); if (test.verdict) showLiveVerdict(test); });
on("evaluation", (evaluation) => { view.evaluation = evaluation; showVerdict(evaluation); });
on("figure", (figure) => showFigure(figure.path));
on("notice", (notice) => showNotice(notice.error));
on("state", (state) => { view.running = state.running; showInfo(view.info); }); // the playground's start and pause
on("end", (end) => {
  view.ended = true;
  source.close();
  const live = view.info && view.info.live;
  setStatus(live ? "finished" : "replay", false);
  if (!live) return;
  // at a terminal the server keeps serving the finished run until Ctrl-C; elsewhere it stopped with training
  $("end-hint").textContent = end.server_stays
    ? "Training finished. The server keeps showing this run (a reload works) until you press Ctrl-C in its terminal."
    : "Training finished and its server stopped: this page stays as it is, but a reload finds no server. "
      + "Replay the run with the gankit view command printed in the terminal.";
});
source.onerror = () => { if (!view.ended) setStatus("disconnected", false); };

// The page keeps what the server keeps: the newest half of the window whole, older items thinned (every second
// one dropped each time the window fills), so a lesson-long run neither fills the browser's memory nor
// loses the start of its timeline.
function keepWindow(items, item) {
  items.push(item);
  const window = view.info && view.info.frame_window;
  if (!window || items.length <= window) return;
  const older = items.length - Math.floor(window / 2);
  const kept = items.filter((_, i) => i >= older || i % 2 === 0);
  items.splice(0, items.length, ...kept);
  if (items === timelineItems() && !view.follow) view.index = Math.min(view.index, items.length - 1);
}

// A notice from the server (training diverged …) stays until dismissed or replaced by a newer state.
function showNotice(text) {
  $("play-notice-text").textContent = text || "";
  $("play-notice").hidden = !text;
}

function followNewest(count) {
  const bar = $("timeline");
  bar.max = String(Math.max(0, count - 1));
  if (view.follow) { view.index = count - 1; bar.value = String(view.index); }
}

// ------------------------------------------------------------------ page set-up

function showInfo(info) {
  const where = runPath ? ` (member ${runPath.split("/").pop()})` : "";
  $("title").textContent = `${info.name}${where} · ${info.objective}`;
  document.title = `gankit view · ${info.name}`;
  if (info.play) setStatus(view.running ? "running" : "paused", view.running);
  else setStatus(info.live ? "live" : "replay", info.live);
  $("config").textContent = info.config;
  $("panel-2d").hidden = info.kind !== "2d";
  $("panel-images").hidden = info.kind !== "images";
  $("panel-table").hidden = info.kind !== "table";
  $("panel-sweep").hidden = info.kind !== "sweep";
  $("timeline-bar").hidden = !["2d", "images", "table"].includes(info.kind);
  $("p-chart").hidden = info.kind !== "2d";
  $("loss-chart").hidden = info.kind === "sweep";
  const when = info.tests_when || (info.test_every > 1 ? `every ${info.test_every} epochs` : info.test_every ? "every epoch" : null);
  if (info.held_out && when) $("held-out").textContent = `Two-sample tests ${when} on ${info.held_out}.`;
  if (info.kind === "sweep") showMembers(info.members);
  $("panel-play").hidden = !info.play;
  if (info.play) showSettings(info);
}

function setStatus(text, live) {
  $("status").textContent = text;
  $("status").classList.toggle("live", live);
}

function showVerdict(evaluation) {
  const line = $("verdict");
  line.textContent = evaluation.verdict;
  line.className = evaluation.distinguishable ? "distinguishable" : "indistinguishable";
}

function showFigure(path) {
  const panel = $("panel-figures");
  panel.hidden = false;
  const figure = document.createElement("figure");
  figure.className = "figure";
  figure.innerHTML = `<img alt="${path}"><figcaption>${path}</figcaption>`;
  figure.querySelector("img").src = "/files/" + memberPrefix() + path;
  panel.appendChild(figure);
}

const memberPrefix = () => (runPath ? runPath + "/" : "");

// ------------------------------------------------------------------ controls

$("timeline").addEventListener("input", (event) => {
  view.index = Number(event.target.value);
  view.follow = view.index >= timelineLength() - 1;
  view.dirty = true;
});
$("play").addEventListener("click", () => {
  view.playing = !view.playing;
  if (view.playing && view.index >= timelineLength() - 1) view.index = 0;
  $("play").textContent = view.playing ? "Pause" : "Play";
});
$("speed").addEventListener("change", (event) => { view.speed = Number(event.target.value); });
for (const box of document.querySelectorAll("#layers input")) {
  box.addEventListener("change", () => { view.layers[box.dataset.layer] = box.checked; view.dirty = true; });
}

// what the timeline walks through: D's frames (2-D), the epoch grids (images) or the table snapshots
const timelineItems = () => {
  const kind = view.info && view.info.kind;
  return kind === "images" ? view.grids : kind === "table" ? view.tables : view.frames;
};
const timelineLength = () => timelineItems().length;

let lastTick = 0, lastDraw = -Infinity;
const DRAWS_PER_SECOND = 6;
// A timer, not requestAnimationFrame: the page wakes 6 times a second (more only while playing fast) instead
// of 60, since the browser shares the CPU with training; at most DRAWS_PER_SECOND redraws, as events can come faster
// (900 rather than 1000 ms: a timer that fires a little early must not skip a draw).
function tick() {
  const now = performance.now();
  if (view.playing && now - lastTick >= 200 / view.speed) {
    lastTick = now;
    if (view.index < timelineLength() - 1) {
      view.index += 1;
      $("timeline").value = String(view.index);
      view.dirty = true;
    } else if (view.ended) {
      view.playing = false;
      $("play").textContent = "Play";
    }
    view.follow = view.index >= timelineLength() - 1;
  }
  if (view.dirty && view.info && (now - lastDraw >= 900 / DRAWS_PER_SECOND || view.ended)) {
    view.dirty = false;
    lastDraw = now;
    draw();
    view.draws += 1;
  }
  setTimeout(tick, view.playing ? Math.min(200 / view.speed, 1000 / DRAWS_PER_SECOND) : 1000 / DRAWS_PER_SECOND);
}
setTimeout(tick, 0);

// ------------------------------------------------------------------ drawing

function draw() {
  const info = view.info;
  if (info.kind === "2d") drawPlane();
  if (info.kind === "images") drawGrid();
  if (info.kind === "table") drawTable();
  if (info.kind === "sweep") drawSweep();
  else drawIfChanged("losses", [view.metrics.length, currentEpoch()], drawLosses);
  if (info.kind === "2d") drawIfChanged("tests", [view.tests.length, currentEpoch()], drawTests);
}

// The charts change only when a metric or test arrives or the timeline moves to another epoch, not with
// every frame (frames come several times an epoch): redrawing them only then spares the browser's CPU.
const chartKeys = {};
function drawIfChanged(name, key, drawChart) {
  const text = JSON.stringify(key);
  if (chartKeys[name] === text) return;
  chartKeys[name] = text;
  drawChart();
}

function currentLabel(item) {
  if (!item) return "no frame yet";
  if (view.info.play) return `frame ${view.index + 1}/${timelineLength()} · G step ${item.g_steps} · D step ${item.d_steps}`;
  const step = item.step === null || item.step === undefined ? "" : ` · step ${item.step}`;
  return `frame ${view.index + 1}/${timelineLength()} · epoch ${item.epoch}${step}`;
}

function drawPlane() {
  const canvas = $("plane"), ctx = canvas.getContext("2d");
  const info = view.info, frame = view.frames[view.index];
  const [x0, x1, y0, y1] = info.extent;
  const pad = 40, w = canvas.width - pad - 10, h = canvas.height - pad - 10;
  const sx = (x) => pad + ((x - x0) / (x1 - x0)) * w;
  const sy = (y) => 10 + h - ((y - y0) / (y1 - y0)) * h;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  $("frame-label").textContent = currentLabel(frame);
  canvas.dataset.frame = String(view.index);
  ctx.save();
  ctx.beginPath(); ctx.rect(pad, 10, w, h); ctx.clip();
  if (frame && view.layers.heat) drawHeat(ctx, frame, frame.heat_extent || info.extent, sx, sy);
  if (view.layers.real) ctx.drawImage(realPointsLayer(canvas, info, sx, sy), 0, 0);
  if (frame && view.layers.manifold) for (const grid of frame.manifolds || [frame.manifold]) drawManifold(ctx, grid, sx, sy);
  if (frame && view.layers.fake) drawPoints(ctx, frame.fake, sx, sy, colour("generated"), 0.75, 2.5);
  if (frame && view.layers.arrows) drawArrows(ctx, frame.arrows, sx, sy);
  if (drawn.length) drawCrosses(ctx, drawn, sx, sy);
  ctx.restore();
  const outside = frame ? frame.fake.filter(([x, y]) => x < x0 || x > x1 || y < y0 || y > y1).length : 0;
  canvas.dataset.outside = String(outside);
  const notes = [];
  if (!frame) notes.push("waiting for the first frame");
  if (outside) notes.push(`${outside} generated point${outside === 1 ? "" : "s"} outside the plot`);
  if (frame && frame.manifold_note && view.layers.manifold) notes.push(frame.manifold_note);
  ctx.fillStyle = "#a50026"; ctx.font = "12px sans-serif"; ctx.textAlign = "left"; ctx.textBaseline = "top";
  notes.forEach((note, i) => ctx.fillText(note, pad + 6, 14 + 15 * i));
  plane = { x0, x1, y0, y1, pad, w, h };
  drawAxes(ctx, { x0, x1, y0, y1, sx, sy, pad, w, h, xlabel: info.columns[0], ylabel: info.columns[1] });
}

// Purple (D says generated) ← white → green (D says real), matplotlib's PRGn ends.
const PURPLE = [118, 42, 131], WHITE = [247, 247, 247], GREEN = [27, 120, 55];
function heatColour(t) { // t in [-1, 1]
  const [a, b, s] = t < 0 ? [WHITE, PURPLE, -t] : [WHITE, GREEN, t];
  return a.map((v, i) => Math.round(v + (b[i] - v) * s));
}

function drawHeat(ctx, frame, extent, sx, sy) {
  const n = frame.heat_nodes, heat = frame.heat;
  let bound = 0;
  for (const v of heat) bound = Math.max(bound, Math.abs(v));
  bound = bound || 1;
  const tile = document.createElement("canvas");
  tile.width = n; tile.height = n;
  const image = tile.getContext("2d").createImageData(n, n);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      const [r, g, b] = heatColour(heat[row * n + col] / bound);
      const at = ((n - 1 - row) * n + col) * 4; // row 0 is the bottom of the extent
      image.data[at] = r; image.data[at + 1] = g; image.data[at + 2] = b; image.data[at + 3] = 150;
    }
  }
  tile.getContext("2d").putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  const [x0, x1, y0, y1] = extent;
  ctx.drawImage(tile, sx(x0), sy(y1), sx(x1) - sx(x0), sy(y0) - sy(y1));
}

// The real points do not change during a run: drawn once on a canvas of their own, then copied in each frame.
let realLayer = null;
function realPointsLayer(canvas, info, sx, sy) {
  const key = `${canvas.width}x${canvas.height}:${info.extent}:${info.real.length}`;
  if (!realLayer || realLayer.key !== key) {
    const layer = document.createElement("canvas");
    layer.width = canvas.width; layer.height = canvas.height;
    drawPoints(layer.getContext("2d"), info.real, sx, sy, colour("real"), 0.45, 2);
    realLayer = { key, canvas: layer };
  }
  return realLayer.canvas;
}

// All points as one path filled once: one rasterisation instead of one per point (a live frame has ~1,300).
function drawPoints(ctx, points, sx, sy, fill, alpha, radius) {
  ctx.globalAlpha = alpha;
  ctx.fillStyle = fill;
  ctx.beginPath();
  for (const [x, y] of points) {
    const px = sx(x), py = sy(y);
    ctx.moveTo(px + radius, py);
    ctx.arc(px, py, radius, 0, 2 * Math.PI);
  }
  ctx.fill();
  ctx.globalAlpha = 1;
}

function drawManifold(ctx, grid, sx, sy) {
  if (!grid || !grid.length) return;
  ctx.strokeStyle = colour("generated");
  ctx.globalAlpha = 0.35;
  ctx.lineWidth = 1;
  const line = (points) => points.forEach(([x, y], i) => (i ? ctx.lineTo(sx(x), sy(y)) : ctx.moveTo(sx(x), sy(y))));
  ctx.beginPath(); // every grid line in one path, stroked once
  for (const row of grid) line(row);
  for (let col = 0; col < grid[0].length && grid.length > 1; col++) line(grid.map((row) => row[col]));
  ctx.stroke();
  ctx.globalAlpha = 1;
}

function drawArrows(ctx, arrows, sx, sy) {
  ctx.strokeStyle = "#3f0d47";
  ctx.globalAlpha = 0.8;
  ctx.lineWidth = 1;
  ctx.beginPath(); // every arrow in one path, stroked once
  for (const [x, y, dx, dy] of arrows) {
    const ax = sx(x), ay = sy(y), bx = sx(x + dx), by = sy(y + dy);
    const angle = Math.atan2(by - ay, bx - ax), head = 4;
    ctx.moveTo(ax, ay); ctx.lineTo(bx, by);
    ctx.lineTo(bx - head * Math.cos(angle - 0.5), by - head * Math.sin(angle - 0.5));
    ctx.moveTo(bx, by);
    ctx.lineTo(bx - head * Math.cos(angle + 0.5), by - head * Math.sin(angle + 0.5));
  }
  ctx.stroke();
  ctx.globalAlpha = 1;
}

function niceTicks(low, high, count) {
  const span = high - low || 1, raw = span / count;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw);
  const ticks = [];
  for (let t = Math.ceil(low / step) * step; t <= high + 1e-9; t += step) ticks.push(Number(t.toPrecision(6)));
  return ticks;
}

function drawAxes(ctx, a) {
  ctx.strokeStyle = "#888"; ctx.fillStyle = "#333"; ctx.font = "11px sans-serif"; ctx.lineWidth = 1;
  ctx.strokeRect(a.pad, 10, a.w, a.h);
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const t of niceTicks(a.x0, a.x1, 6)) ctx.fillText(String(t), a.sx(t), 10 + a.h + 3);
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const t of niceTicks(a.y0, a.y1, 6)) ctx.fillText(String(t), a.pad - 3, a.sy(t));
  ctx.textAlign = "center"; ctx.textBaseline = "bottom";
  ctx.fillText(a.xlabel, a.pad + a.w / 2, ctx.canvas.height);
  ctx.save(); ctx.translate(11, 10 + a.h / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(a.ylabel, 0, 0); ctx.restore();
}

// A click on the grid asks the server for that sample's nearest training images.
$("grid").addEventListener("click", (event) => {
  const grid = view.grids[view.index];
  if (!grid) return;
  const box = event.target.getBoundingClientRect();
  const query = new URLSearchParams({ run: runPath || "", epoch: String(grid.epoch),
    x: ((event.clientX - box.left) / box.width).toFixed(4), y: ((event.clientY - box.top) / box.height).toFixed(4) });
  $("neighbours").src = "/neighbours?" + query.toString();
  $("neighbours-figure").hidden = false;
});

// A table snapshot: small multiples of each column (real vs generated shares) and the pair-trend heatmap.
function drawTable() {
  const snapshot = view.tables[view.index];
  $("frame-label").textContent = snapshot ? `snapshot ${view.index + 1}/${view.tables.length} · epoch ${snapshot.epoch}`
    : view.ended ? "no snapshot in this run" : "waiting for the first epoch";
  const figures = snapshot && snapshot.figures ? snapshot.figures : [];
  $("table-figures").hidden = !figures.length; // a run trained without --view: its final figures
  $("table-hint").hidden = Boolean(figures.length);
  $("table-figures-hint").hidden = !figures.length;
  $("columns-chart").hidden = $("pairs-chart").hidden = Boolean(figures.length);
  if (figures.length) {
    if ($("table-figures").dataset.paths !== figures.join()) {
      $("table-figures").innerHTML = figures.map((path) => `<img alt="${path}" src="/files/${memberPrefix()}${path}">`).join("");
      $("table-figures").dataset.paths = figures.join();
    }
    return;
  }
  if (!snapshot) return;
  drawColumns($("columns-chart"), snapshot.columns);
  drawPairs($("pairs-chart"), snapshot.pairs);
}

function drawColumns(canvas, columns) {
  const perRow = 4, cellW = canvas.width / perRow, cellH = 140;
  const rows = Math.max(1, Math.ceil(columns.length / perRow));
  if (canvas.height !== rows * cellH) canvas.height = rows * cellH;
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.font = "11px system-ui, sans-serif";
  columns.forEach((column, i) => {
    const x0 = (i % perRow) * cellW + 8, y0 = Math.floor(i / perRow) * cellH + 4, w = cellW - 16, h = cellH - 40;
    ctx.fillStyle = "#222";
    ctx.fillText(fitted(ctx, column.name, ` (${column.kind})`, w), x0, y0 + 11);
    const top = Math.max(1e-9, ...column.real, ...column.fake), n = column.labels.length, slot = w / Math.max(n, 1);
    column.labels.forEach((label, j) => {
      for (const [side, values, dx] of [["real", column.real, 0.1], ["generated", column.fake, 0.5]]) {
        const bar = (values[j] / top) * h;
        ctx.fillStyle = colour(side);
        ctx.globalAlpha = 0.8;
        ctx.fillRect(x0 + j * slot + dx * slot, y0 + 18 + h - bar, slot * 0.4, bar);
        ctx.globalAlpha = 1;
      }
    });
    ctx.strokeStyle = "#999";
    ctx.strokeRect(x0, y0 + 18, w, h);
    ctx.fillStyle = "#555";
    const first = binLabel(column, column.labels[0]), last = binLabel(column, column.labels[n - 1]);
    ctx.fillText(first.slice(0, 12), x0, y0 + 18 + h + 13);
    const lastWidth = ctx.measureText(last.slice(0, 12)).width;
    if (n > 1) ctx.fillText(last.slice(0, 12), x0 + w - lastWidth, y0 + 18 + h + 13);
  });
}

// "name suffix" shortened with "…" in the name so that it fits ``width`` pixels (the suffix always shows).
function fitted(ctx, name, suffix, width) {
  let shown = name;
  while (shown.length > 1 && ctx.measureText(shown + suffix).width > width) shown = shown.slice(0, -1);
  return (shown === name ? name : shown.slice(0, -1) + "…") + suffix;
}

// A datetime column's bin edges travel as dates (2015-03-01). Runs recorded before that have numbers since 1970
// (nanoseconds, or microseconds below 1e17): shown as dates too, never as 1.425e+18.
function binLabel(column, label) {
  if (label === undefined) return "";
  const number = Number(label);
  if (column.kind !== "datetime" || !Number.isFinite(number)) return label;
  return new Date(number >= 1e17 ? number / 1e6 : number / 1e3).toISOString().slice(0, 10);
}

function drawPairs(canvas, pairs) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const names = pairs.names, n = names.length;
  if (!n) return;
  const margin = 90, cell = (canvas.width - margin - 10) / n;
  ctx.font = "10px system-ui, sans-serif";
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const score = pairs.scores[i][j];
      ctx.fillStyle = score === null ? "#eee" : trendColour(score);
      ctx.fillRect(margin + j * cell, margin + i * cell, cell - 1, cell - 1);
      if (score !== null && cell >= 26) {
        ctx.fillStyle = "#222";
        ctx.fillText(score.toFixed(2), margin + j * cell + 3, margin + i * cell + cell / 2 + 3);
      }
    }
    ctx.fillStyle = "#222";
    ctx.fillText(names[i].slice(0, 14), 4, margin + i * cell + cell / 2 + 3);
    ctx.save();
    ctx.translate(margin + i * cell + cell / 2 + 3, margin - 4);
    ctx.rotate(-Math.PI / 3);
    ctx.fillText(names[i].slice(0, 14), 0, 0);
    ctx.restore();
  }
}

// 0 → red, 0.5 → yellow, 1 → green (the pairs figure's RdYlGn)
function trendColour(score) {
  const t = Math.max(0, Math.min(1, score));
  const [r, g, b] = t < 0.5 ? [215, 48 + 330 * t, 39 + 100 * t] : [215 - 330 * (t - 0.5), 215 - 30 * (t - 0.5), 89];
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
}

function drawGrid() {
  const grid = view.grids[view.index];
  $("frame-label").textContent = currentLabel(grid);
  if (!grid) return;
  const src = "/files/" + memberPrefix() + grid.path;
  if ($("grid").getAttribute("src") !== src) $("grid").src = src;
  $("grid").dataset.epoch = String(grid.epoch);
}

// A line chart: series [{xs, ys, colour, label, dash}], optional horizontal lines and a marker at x.
function lineChart(canvas, series, options) {
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const pad = 48, right = options.right || 130, w = canvas.width - pad - right, h = canvas.height - 60;
  const f = options.logy ? (v) => Math.log10(Math.max(v, 1e-4)) : (v) => v;
  const defined = (v) => v !== null && v !== undefined && Number.isFinite(f(v));
  const xs = series.flatMap((s) => s.xs), ys = series.flatMap((s) => s.ys.filter(defined).map(f));
  if (!xs.length || !ys.length) { // an empty chart says why, rather than being a blank box
    ctx.font = "12px sans-serif"; ctx.fillStyle = "#222"; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(options.title, pad, 4);
    ctx.strokeStyle = "#ccc"; ctx.strokeRect(pad, 24, w, h);
    ctx.fillStyle = "#777"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText(options.empty || `waiting for the first ${options.xlabel}`, pad + w / 2, 24 + h / 2);
    return null;
  }
  for (const line of options.hlines || []) ys.push(f(line.y));
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  if (options.yrange) { y0 = Math.min(y0, options.yrange[0]); y1 = Math.max(y1, options.yrange[1]); }
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  const sx = (x) => pad + ((x - x0) / (x1 - x0)) * w, sy = (y) => 24 + h - ((f(y) - y0) / (y1 - y0)) * h;
  ctx.font = "12px sans-serif"; ctx.fillStyle = "#222"; ctx.textAlign = "left"; ctx.textBaseline = "top";
  ctx.fillText(options.title, pad, 4);
  for (const line of options.hlines || []) {
    ctx.setLineDash([3, 3]); ctx.strokeStyle = line.colour; ctx.beginPath();
    ctx.moveTo(pad, sy(line.y)); ctx.lineTo(pad + w, sy(line.y)); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = line.colour; ctx.textAlign = "right"; ctx.textBaseline = line.below ? "top" : "bottom";
    ctx.fillText(line.label, pad + w - 4, sy(line.y) + (line.below ? 2 : -2)); ctx.textAlign = "left";
  }
  let labels = 0; // legend entries, one under the other
  series.forEach((s) => {
    ctx.strokeStyle = s.colour; ctx.lineWidth = s.width || 1.5; ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let open = false; // an undefined value (null) breaks the line
    s.xs.forEach((x, i) => {
      if (!defined(s.ys[i])) { open = false; return; }
      if (open) ctx.lineTo(sx(x), sy(s.ys[i])); else ctx.moveTo(sx(x), sy(s.ys[i]));
      open = true;
    });
    ctx.stroke(); ctx.setLineDash([]);
    if (s.label) { // a legend entry may hold several lines; each is shortened with "…" to fit the margin
      ctx.fillStyle = s.colour; ctx.textBaseline = "middle";
      for (const line of s.label.split("\n")) {
        const y = 30 + 14 * labels++;
        if (y <= 24 + h) ctx.fillText(fitted(ctx, line, "", right - 10), pad + w + 6, y);
      }
      labels += 0.4; // a little space between entries
    }
  });
  if (options.marker !== undefined && options.marker >= x0 && options.marker <= x1) { // never outside the chart
    ctx.strokeStyle = "#999"; ctx.beginPath(); ctx.moveTo(sx(options.marker), 24); ctx.lineTo(sx(options.marker), 24 + h); ctx.stroke();
  }
  const fake = { x0, x1, y0: options.logy ? 10 ** y0 : y0, y1: options.logy ? 10 ** y1 : y1 };
  ctx.strokeStyle = "#888"; ctx.fillStyle = "#333"; ctx.font = "11px sans-serif"; ctx.lineWidth = 1;
  ctx.strokeRect(pad, 24, w, h);
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const t of niceTicks(x0, x1, 6).filter(Number.isInteger)) ctx.fillText(String(t), sx(t), 24 + h + 3); // epochs, steps
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  const yTicks = options.logy ? [1, 0.1, 0.01, 0.001, 0.0001].filter((t) => f(t) >= y0 - 1e-9 && f(t) <= y1 + 1e-9) : niceTicks(y0, y1, 5);
  for (const t of yTicks) ctx.fillText(String(t), pad - 3, sy(t));
  ctx.textAlign = "center"; ctx.textBaseline = "bottom";
  ctx.fillText(options.xlabel, pad + w / 2, canvas.height);
  ctx.save(); ctx.translate(11, 24 + h / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(options.ylabel, 0, 0); ctx.restore();
  return { sx, sy, fake };
}

const xLabel = () => view.info.x_label || "epoch";

function currentEpoch() {
  const item = timelineItems()[view.index];
  return item ? item.epoch : undefined;
}

function drawLosses() {
  const epochs = view.metrics.map((m) => m.epoch);
  const eq = view.info.equilibrium || {};
  const hlines = [];
  if (eq.d_loss !== undefined) hlines.push({ y: eq.d_loss, label: "D at equilibrium", colour: colour("discriminator") });
  if (eq.g_loss !== undefined && eq.g_loss !== eq.d_loss) hlines.push({ y: eq.g_loss, label: "G at equilibrium", colour: colour("generator") });
  if (eq.g_loss !== undefined && eq.g_loss === eq.d_loss) hlines[0].label = "D and G at equilibrium";
  lineChart($("loss-chart"), [
    { xs: epochs, ys: view.metrics.map((m) => m.d_loss), colour: colour("discriminator"), label: "discriminator" },
    { xs: epochs, ys: view.metrics.map((m) => m.g_loss), colour: colour("generator"), label: "generator" },
  ], { title: `losses · ${view.info.objective}`, xlabel: xLabel(), ylabel: "loss", hlines, marker: currentEpoch() });
}

// The smallest p-value a permutation test can give: 1 / (permutations + 1).
const pFloor = () => view.info.p_floor || (view.tests.length && view.tests[0].p_floor) || 1 / 101;

function drawTests() {
  const names = view.tests.length ? Object.keys(view.tests[0].p_values) : [];
  const palette = ["#e08214", "#2166ac"];
  const floor = pFloor();
  const atFloor = view.tests.some((t) => Object.values(t.p_values).some((p) => p !== null && p <= floor * 1.0001));
  $("p-chart").dataset.atFloor = String(atFloor);
  lineChart($("p-chart"), names.map((name, i) => ({
    xs: view.tests.map((t) => t.epoch), ys: view.tests.map((t) => t.p_values[name]), colour: palette[i % 2], label: name,
  })), { title: "two-sample p-values (below α: told apart)", xlabel: xLabel(), ylabel: "p-value (log)", logy: true,
    yrange: [Math.log10(floor) - 0.35, 0], // room under the floor for its label, clear of the p-values on it
    hlines: [{ y: view.info.alpha, label: `α = ${view.info.alpha}`, colour: "#a50026" },
      { y: floor, label: atFloor ? "p at its floor" : "smallest possible p", colour: "#777", below: true }],
    marker: currentEpoch() });
}

// ------------------------------------------------------------------ sweeps

// Each member's colour comes with it from the server: one per grid point, the same rule and palette as report.html
// (report/sweep_colours.py), so a colour means the same setting on both pages.
let sweepHit = null;

function showMembers(members) {
  const list = $("members");
  list.innerHTML = "";
  for (const member of members) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "?run=" + encodeURIComponent(member.path);
    link.textContent = member.label;
    link.style.color = member.colour;
    item.style.setProperty("--bullet", member.colour);
    item.appendChild(link);
    if (member.verdict) item.title = member.verdict;
    list.appendChild(item);
  }
}

function drawSweep() {
  const series = [];
  const labelled = new Set(); // one legend entry per grid point
  for (const member of view.info.members) {
    const first = !labelled.has(member.point);
    labelled.add(member.point);
    const label = first ? member.point.split(/-(?=[\w.]+=)/).join("\n") : ""; // one line per setting of the point
    series.push({ xs: member.epochs, ys: member.g_loss, colour: member.colour, label, member });
    series.push({ xs: member.epochs, ys: member.d_loss, colour: member.colour, dash: [2, 3], member });
  }
  const chart = lineChart($("sweep-chart"), series, { title: `${view.info.members.length} members`, xlabel: "epoch", ylabel: "loss", right: 230 });
  sweepHit = chart && { chart, series };
}

$("sweep-chart").addEventListener("click", (event) => {
  if (!sweepHit) return;
  const box = event.target.getBoundingClientRect();
  const px = event.clientX - box.left, py = event.clientY - box.top;
  let best = null, bestDistance = 12;
  for (const s of sweepHit.series) {
    s.xs.forEach((x, i) => {
      const d = Math.hypot(sweepHit.chart.sx(x) - px, sweepHit.chart.sy(s.ys[i]) - py);
      if (d < bestDistance) { bestDistance = d; best = s.member; }
    });
  }
  if (best) location.search = "?run=" + encodeURIComponent(best.path);
});

// ------------------------------------------------------------------ playground (gankit play)

let drawn = [];
let plane = null;

async function send(command) {
  let reply;
  try {
    const response = await fetch("/api/play", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(command) });
    reply = await response.json();
  } catch (problem) {
    reply = { ok: false, error: `the playground's server did not answer (${problem.message}): is gankit play still running?` };
  }
  $("play-error").textContent = reply.ok ? "" : reply.error;
  $("play-message").textContent = reply.ok && command.action === "settings" && !reply.rebuilt
    ? `Applied${view.running ? " while running" : ""}: the nets keep what they learned.` : "";
  if (!reply.ok && command.action === "settings") showSettings(view.info); // nothing changed: the form shows what trains
  if (command.action === "d_step" || command.action === "g_step") highlightStep(command.action[0]);
  if (reply.path) $("play-message").textContent = `Exported ${reply.path}; run it with: gankit train ${reply.path}`;
  if (reply.rebuilt) $("play-message").textContent = "The nets were rebuilt with the new settings.";
  return reply;
}

function showSettings(info) {
  const source = document.querySelector("[data-key='data.source']");
  source.innerHTML = info.sources.map((name) => `<option>${name}</option>`).join("");
  for (const field of document.querySelectorAll("#controls [data-key]")) {
    const value = info.settings[field.dataset.key];
    field.value = Array.isArray(value) ? JSON.stringify(value) : String(value);
  }
}

const shown = (value, digits) => (value === null || value === undefined ? "–" : value.toFixed(digits));

// The playground's verdict line: the steady verdict (it changes only when most of the last rounds disagree with
// it, see the help text under it), then the latest round's p-values.
function showLiveVerdict(test) {
  const line = $("live-verdict"), steady = test.steady || { verdict: test.verdict, told_apart: 0, rounds: 0 };
  const tests = Object.keys(test.p_values).length;
  const ps = Object.entries(test.p_values).map(([name, p]) => `${name} p = ${shown(p, 3)}`).join(", ");
  line.textContent = `${steady.verdict} (Holm-corrected over ${tests} tests at α = ${view.info.alpha}): told apart in `
    + `${steady.told_apart} of the last ${steady.rounds} test rounds. Latest round, G step ${test.epoch}: ${ps}.`;
  line.className = steady.verdict === "DISTINGUISHABLE" ? "distinguishable" : "indistinguishable";
  line.dataset.verdict = steady.verdict;
}

for (const button of document.querySelectorAll("#controls [data-action]")) {
  button.addEventListener("click", () => send({ action: button.dataset.action }));
}

// Apply sends the whole form, so what the page shows is what trains (the server answers with the settings in force).
$("apply").addEventListener("click", () => {
  const settings = {};
  for (const field of document.querySelectorAll("#controls [data-key]")) {
    settings[field.dataset.key] = field.dataset.text ? JSON.stringify(field.value) : field.value;
  }
  send({ action: "settings", settings });
});
$("play-notice-dismiss").addEventListener("click", () => showNotice(null));

// The model overview: the part a single D or G step trains lights up for a moment.
function highlightStep(which) {
  const diagram = $("model-overview");
  diagram.classList.remove("d-step", "g-step");
  void diagram.getBoundingClientRect(); // restart the highlight when the same step is asked again
  diagram.classList.add(which === "d" ? "d-step" : "g-step");
  clearTimeout(highlightStep.timer);
  highlightStep.timer = setTimeout(() => diagram.classList.remove("d-step", "g-step"), 1200);
}

$("use-drawn").addEventListener("click", () => send({ action: "points", points: drawn }));
$("clear-drawn").addEventListener("click", () => { drawn = []; $("drawn-count").textContent = "0"; view.dirty = true; });

function drawCrosses(ctx, points, sx, sy) {
  ctx.strokeStyle = "#000"; ctx.lineWidth = 1;
  for (const [x, y] of points) {
    ctx.beginPath(); ctx.moveTo(sx(x) - 3, sy(y)); ctx.lineTo(sx(x) + 3, sy(y));
    ctx.moveTo(sx(x), sy(y) - 3); ctx.lineTo(sx(x), sy(y) + 3); ctx.stroke();
  }
}

let painting = false;
function paint(event) {
  if (!painting || !plane || !$("draw-mode").checked) return;
  const box = event.target.getBoundingClientRect();
  const scale = event.target.width / box.width;
  const px = (event.clientX - box.left) * scale, py = (event.clientY - box.top) * scale;
  const x = plane.x0 + ((px - plane.pad) / plane.w) * (plane.x1 - plane.x0);
  const y = plane.y0 + ((10 + plane.h - py) / plane.h) * (plane.y1 - plane.y0);
  const spread = 0.01 * (plane.x1 - plane.x0);
  for (let k = 0; k < 3; k++) drawn.push([x + spread * (Math.random() - 0.5), y + spread * (Math.random() - 0.5)]);
  $("drawn-count").textContent = String(drawn.length);
  view.dirty = true;
}
$("plane").addEventListener("mousedown", (event) => { painting = true; paint(event); });
$("plane").addEventListener("mousemove", paint);
window.addEventListener("mouseup", () => { painting = false; });
