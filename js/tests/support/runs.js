// Kept runs as Python sends them (the `runs` and `run_curves` traits, see lrwidget/widget/runs.py), for the view
// tests. Not a test file itself.
import { doneState, makeCurve } from "./view.js";

/**
 * A curve of `count` points whose level is shifted by `shift` (so runs differ), on [startLr, endLr].
 * @param {number} shift
 * @param {number} [startLr]
 * @param {number} [endLr]
 */
export function shiftedCurve(shift, startLr = 1e-7, endLr = 10) {
  const base = makeCurve();
  const count = base.lrs.length;
  const lrs = base.lrs.map((_, i) => startLr * (endLr / startLr) ** (i / (count - 1)));
  return { lrs, losses: base.losses.map((loss) => loss + shift), raw_losses: base.raw_losses.map((loss) => loss + shift),
    n_points: count };
}

/**
 * The state of a widget holding `labels.length` kept runs (the last selected), overridden by `state`.
 * @param {string[]} labels
 * @param {Record<string, unknown>} [state]
 */
export function runsState(labels, state = {}) {
  const runs = labels.map((label, i) => ({
    id: `run-${i + 1}`, label, color_index: i, stop_reason: "completed", n_points: 40, start_lr: 1e-7, end_lr: 10,
    num_it: 40, ran_at: "2026-11-30T07:00:00+00:00", frozen_groups: i === 0 ? 1 : 0, n_groups: 2, batch_size: 64,
    learner: "lrwidget.Learner",
  }));
  const run_curves = Object.fromEntries(runs.map((run, i) => [run.id, shiftedCurve(0.2 * i)]));
  const selected = runs.at(-1)?.id ?? "";
  return doneState({
    runs, run_curves, hidden_runs: [], selected_run: selected, read_only: false,
    curve: run_curves[selected] ?? makeCurve(), ...state,
  });
}
