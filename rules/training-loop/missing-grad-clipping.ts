// NG801 missing-grad-clipping: `loss.backward()` then `optimizer.step()` with no gradient clipping.
//
// What it does: flags an optimizer step (`opt.step()`, `scaler.step(opt)`) that applies the
// gradients of a `backward()` call of the same function when no `clip_grad_norm_` or
// `clip_grad_value_` runs between the two.
// Why is this bad? One bad batch (a long sequence through an RNN, an attention logit that
// saturates, a loss spike) can give gradients with a norm of 1e6 or more. The step then moves
// the weights so far that the next forward pass overflows float32 (max about 3.4e38) or float16
// (max 65504), and every later loss is inf or NaN: the run cannot recover by itself.
// Use instead: `torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)` between
// `backward()` and `step()`; under a GradScaler, call `scaler.unscale_(optimizer)` first so that
// the threshold applies to the true gradients.
// Fix safety: unsafe. Clipping changes the update whenever the gradient norm exceeds the
// threshold, and the right threshold depends on the model.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model } from '../engine/model';
import type { Fix, Rule, TextEdit } from '../engine/types';
import { autocastPrecision } from '../half-precision/dtypes';
import {
  isGradScalerCall,
  clipsThroughHelper,
  GradientTimeline,
  linesAfter,
  linesBefore,
  ownLineStatement,
  parametersExpression,
  trainingSteps,
  type TrainingStep,
} from './gradient-steps';

export const missingGradClipping: Rule = {
  meta: {
    code: 'NG801',
    name: 'missing-grad-clipping',
    family: 'training-loop',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'unsafe',
    triggers: /backward/,
    summary: 'An optimizer step applies the gradients of backward() with no gradient clipping.',
    explanation:
      'One bad batch can give gradients with a norm of 1e6 or more; the step then moves the ' +
      'weights so far that activations overflow float32 (max ~3.4e38) or float16 (max 65504) and ' +
      'every later loss is NaN. Clip between backward() and step() with ' +
      'torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).',
  },
  create(context) {
    const { model } = context;
    const timeline = new GradientTimeline(model);
    return {
      call: (node) => timeline.add(node),
      end: () => {
        for (const events of timeline.scopes()) {
          for (const step of trainingSteps(events)) {
            if (step.between.some((event) => event.kind === 'clip')) continue;
            if (clipsThroughHelper(model, step)) continue;
            // A clip right after the step is NG802's finding: moving it is the repair.
            if (step.after.some((event) => event.kind === 'clip')) continue;
            report(step);
          }
        }
      },
    };

    function report(step: TrainingStep): void {
      context.report({
        node: step.step.call,
        message: t(
          'This optimizer step applies the gradients of backward() unclipped: one exploding batch can push the weights to inf/NaN for the rest of training. Clip the gradient norm between backward() and step().',
        ),
        related: [{ node: step.backward.call, message: t('The gradients are computed here.') }],
        fixes: () => buildFixes(model, step),
      });
    }
  },
};

function buildFixes(model: Model, step: TrainingStep): Fix[] {
  // Under float16 autocast with no GradScaler yet, NG604's fix adds the scaler. Clipping first
  // would clip gradients that the scaler later multiplies, and both fixes applied in one round
  // would miss `scaler.unscale_`; so the clip is offered once the scaler is there.
  if (awaitsGradScaler(model)) return [];
  const optimizer = step.step.optimizer;
  const stepStatement = ownLineStatement(model, step.step.call);
  if (!optimizer || !stepStatement) return [];

  const clip = model.reference('torch.nn.utils.clip_grad_norm_');
  const parameters = parametersExpression(model, optimizer, step.step.call);
  const clipLine = `${clip.text}(${parameters}, max_norm=1.0)`;
  const unscaled = step.between.find((event) => event.kind === 'unscale');
  const scaler = step.step.scaler;
  const lines =
    scaler && !unscaled
      ? [`${model.source(scaler)}.unscale_(${model.source(optimizer)})`, clipLine]
      : [clipLine];

  const insertion = placeLines(model, step, stepStatement, unscaled?.call ?? null, lines);
  const edits: TextEdit[] = [insertion];
  if (clip.importEdit) edits.push(clip.importEdit);
  return [{ title: t('Clip the gradient norm before the step'), safe: false, edits }];
}

/**
 * True when the file trains under float16 autocast and creates no GradScaler. A question about
 * the whole file, asked by every finding's fix: answered once per analysis.
 */
function awaitsGradScaler(model: Model): boolean {
  let answer = gradScalerAwaited.get(model);
  if (answer === undefined) {
    answer = readAwaitsGradScaler(model);
    gradScalerAwaited.set(model, answer);
  }
  return answer;
}

const gradScalerAwaited = new WeakMap<Model, boolean>();

function readAwaitsGradScaler(model: Model): boolean {
  if (!/autocast/.test(model.text)) return false;
  const calls = model.root.descendantsOfType('call').filter((call) => call !== null);
  if (calls.some(isGradScalerCall)) return false;
  return calls.some((call) => autocastPrecision(model, call) === 'half');
}

/**
 * Right after the backward (or after an existing `unscale_`) when it sits in the step's block;
 * otherwise right before the step, so that a step inside `if (i + 1) % accumulate == 0:` clips
 * the accumulated gradients once rather than every partial sum.
 */
function placeLines(
  model: Model,
  step: TrainingStep,
  stepStatement: Node,
  unscale: Node | null,
  lines: string[],
): TextEdit {
  const anchor = ownLineStatement(model, unscale ?? step.backward.call);
  if (anchor && anchor.parent?.id === stepStatement.parent?.id) {
    return linesAfter(model, anchor, lines);
  }
  return linesBefore(model, stepStatement, lines);
}
