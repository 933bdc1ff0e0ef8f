// Renders the built widget (lrwidget/static/widget.js) with a fake model. Query parameters:
//   theme=jp-light|jp-dark|vscode-light|vscode-dark|none  points=100|10000  phase=done|running|error|idle  groups=1|2
//   width=<px>  tip=<marker name>  bench=1 (redraw timings into #bench and window.benchResult)
//   grid=1 (four cells: light/dark × done/running)  verify=1 (a finished w.verify() with its trials; phase=done)
//   band=1 (w.run(repeats=3): the live band of two finished repeats while running, the final band when done)
//   mount=visible|hidden|detached: render into a cell that is shown, `display: none`, or not yet in the document (as
//     VS Code's notebook renderer may do); `window.harness.show()` then shows or attaches it
import widget from "../../lrwidget/static/widget.js";
import { FakeModel, validateLikePython } from "./fake-model.js";
import { markerRegistry, rangeTest, suggestions } from "./synthetic.js";

const params = new URLSearchParams(location.search);

/**
 * @param {{ theme: string, points: number, phase: string, groups: number, width: number, title?: string }} scenario
 */
function mount({ theme, points, phase, groups, width, title, how = "visible" }) {
  const cell = document.createElement("div");
  cell.className = `cell ${theme}`;
  cell.style.width = `${width}px`;
  if (title) cell.innerHTML = `<h3>${title}</h3>`;
  const el = document.createElement("div");
  cell.append(el);
  if (how === "hidden") cell.style.display = "none";
  const cells = document.getElementById("cells");
  if (how !== "detached") cells.append(cell);
  const show = () => {
    cell.style.display = "";
    if (!cell.isConnected) cells.append(cell);
  };

  const curve = rangeTest(points, { gaps: true });
  const n = curve.lrs.length;
  const suggested = suggestions(curve);
  const running = phase === "running";
  const shown = running ? Math.floor(n * 0.62) : n;
  const elapsed = (k) => k * 0.031;
  const model = new FakeModel({
    status: phase, error: phase === "error" ? "RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB" : "",
    start_lr: 1e-7, end_lr: 10, num_it: points,
    curve: phase === "done" ? curve : {},
    progress: phase === "idle" ? {} : { iteration: shown, num_it: points, elapsed_s: elapsed(shown), eta_s: running ? elapsed(points - shown) : null },
    suggestions: phase === "idle" ? {} : suggested,
    marker_registry: markerRegistry,
    visible_markers: ["sweetspot", "valley", "steep"],
    n_groups: groups,
    lr_lo: phase === "done" && groups > 1 ? suggested.valley.lr / 10 : null,
    lr_hi: phase === "done" ? suggested.valley.lr : null,
  });
  validateLikePython(model);
  if (params.get("verify") && phase === "done") {
    // A finished w.verify() around the sweetspot pick: three trials, hi at the fitted bottom between the best two.
    const pick = suggested.sweetspot.lr;
    model.set("verify", {
      state: "done", cost: 3,
      trials: [[pick / 3, 0.412], [pick, 0.287], [pick * 3, 0.301]].map(([lr, loss]) => ({ lr, valid_loss: loss, status: "done" })),
      summary: `verify: 3/3 trials · best ${pick.toExponential(1)} (valid 0.287) · hi ${(pick * 1.6).toPrecision(2)}, fitted · cost 3 trainings`,
    });
    model.set("lr_hi", pick * 1.6);
  }
  if (params.get("band") && phase !== "idle") {
    // w.run(repeats=3): running, the live band of the two repeats finished so far; done, the band of all three.
    const scaled = (factor) => curve.losses.map((loss) => (loss === null ? null : loss * factor));
    model.set("band", {
      lrs: curve.lrs, lo: scaled(0.93), hi: scaled(1.08), median: curve.losses, n_points: n,
      ...(running ? { repeats: 2, summary: "", live: true }
        : { repeats: 3, summary: "3 repeats: sweetspot picks span 1.6× (2.1e-3 – 3.4e-3)" }),
    });
  }
  const slice = (start, end) => model.points(start, curve, start, end);
  // The kernel side: a replay answers with every point so far (a view rendered mid-run asks for it).
  model.onSend = (content) => {
    if (content.type === "replay") setTimeout(() => slice(0, phase === "error" ? Math.floor(n / 2) : shown), 0);
  };
  if (phase === "error") setTimeout(() => slice(0, Math.floor(n / 2)), 0);
  const cleanup = widget.render({ model, el });
  return { model, el, cleanup, curve, slice, show };
}

const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))];
const median = (values) => quantile(values, 0.5);

/** Full redraws of a finished curve, forced by a trait change (the same path as any model change). */
async function benchRedraw(points) {
  const { model, el, cleanup } = mount({ theme: "jp-light", points, phase: "done", groups: 2, width: 960 });
  await frame();
  await frame();
  const root = el.querySelector("[data-lrw-root]");
  const scripted = [];
  const withLayout = [];
  for (let i = 0; i < 60; i++) {
    // A new curve object: the data "changed", so the paths are rebuilt (not the cheap path-cache hit).
    model.update({ curve: { ...model.state.curve } });
    await new Promise((resolve) => requestAnimationFrame(() => {
      // Runs right after the view's own frame callback: its redraw is done, style and layout are not.
      const t0 = performance.now();
      void root.getBoundingClientRect().height; // force style + layout
      const layoutMs = performance.now() - t0;
      const redrawMs = Number(root.getAttribute("data-lrw-last-redraw-ms"));
      scripted.push(redrawMs);
      withLayout.push(redrawMs + layoutMs);
      resolve(undefined);
    }));
  }
  const result = {
    points: Number(root.getAttribute("data-lrw-point-count")),
    redraw_ms_median: median(scripted), redraw_ms_p90: quantile(scripted, 0.9), redraw_ms_max: Math.max(...scripted),
    redraw_plus_layout_ms_median: median(withLayout), redraw_plus_layout_ms_p90: quantile(withLayout, 0.9),
    path_chars: root.querySelector("[data-lrw-curve]").getAttribute("d").length,
  };
  cleanup();
  return result;
}

/** A live run: 10,000 points arriving in deltas of 50, one message per 4 ms (several per frame). */
async function benchStream(points) {
  const { model, el, cleanup, slice } = mount({ theme: "jp-dark", points, phase: "running", groups: 1, width: 960 });
  model.onSend = () => {};
  await frame();
  const root = el.querySelector("[data-lrw-root]");
  model.message({ type: "reset" });
  const times = [];
  let redraws = 0;
  const observer = new MutationObserver(() => {
    redraws++;
    times.push(Number(root.getAttribute("data-lrw-last-redraw-ms")));
  });
  observer.observe(root, { attributes: true, attributeFilter: ["data-lrw-last-redraw-ms"] });
  let messages = 0;
  for (let start = 0; start < points; start += 50) {
    slice(start, start + 50);
    messages++;
    await new Promise((resolve) => setTimeout(resolve, 4));
  }
  await frame();
  await frame();
  observer.disconnect();
  const result = { messages, redraws, redraw_ms_median: median(times), redraw_ms_p90: quantile(times, 0.9),
    redraw_ms_max: Math.max(...times),
    final_points: Number(root.getAttribute("data-lrw-point-count")) };
  const listenersBefore = model.listenerCount();
  cleanup();
  result.listeners_before_cleanup = listenersBefore;
  result.listeners_after_cleanup = model.listenerCount();
  result.dom_left_after_cleanup = el.childElementCount;
  return result;
}

async function main() {
  const width = Number(params.get("width") ?? 880);
  if (params.get("bench")) {
    const result = {
      redraw_100: await benchRedraw(100), redraw_10000: await benchRedraw(10000),
      stream_10000: await benchStream(10000),
    };
    window.benchResult = result;
    document.getElementById("bench").textContent = JSON.stringify(result, null, 2);
    return;
  }
  if (params.get("grid")) {
    document.body.classList.toggle("page-dark", false);
    for (const theme of ["jp-light", "jp-dark"]) {
      for (const [phase, points] of [["done", 100], ["running", 10000]]) {
        mount({ theme, points, phase, groups: 2, width, title: `${theme} · ${points} points · ${phase}` });
      }
    }
    return;
  }
  const theme = params.get("theme") ?? "jp-light";
  document.body.classList.toggle("page-dark", theme.endsWith("-dark"));
  const mounted = mount({
    theme, width, points: Number(params.get("points") ?? 100), phase: params.get("phase") ?? "done",
    groups: Number(params.get("groups") ?? 2), how: params.get("mount") ?? "visible",
  });
  window.harness = mounted;
  const tip = params.get("tip");
  if (tip) {
    await frame();
    await frame();
    mounted.el.querySelector(`[data-lrw-marker="${tip}"]`)?.parentElement?.dispatchEvent(new PointerEvent("pointerenter"));
  }
}

main();
