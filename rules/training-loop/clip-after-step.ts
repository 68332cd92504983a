// NG802 clip-after-step: gradient clipping that runs after the optimizer step it should protect.
//
// What it does: flags a `clip_grad_norm_` or `clip_grad_value_` call that comes after an
// optimizer step (`opt.step()`, `scaler.step(opt)`) of the same function, when no clipping runs
// between the gradients' `backward()` and that step.
// Why is this bad? The step has already applied the raw gradients, so an exploding gradient
// (norm 1e6 and more) moves the weights before the clip sees it; the clip then rescales
// gradients that are about to be zeroed. Training is exactly as unprotected as with no clip.
// Use instead: call the clip between `backward()` and `step()` (after `scaler.unscale_(opt)`
// under a GradScaler).
// Fix safety: safe. Moving the call before the step gives the update that the code was written
// to make; nothing else reads the gradients in between.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model } from '../engine/model';
import type { Fix, Rule, TextEdit } from '../engine/types';
import { parentOf } from '../engine/syntax';
import { stableBetween } from '../engine/values';
import {
  GradientTimeline,
  lineEnding,
  ownLineStatement,
  removeLines,
  type GradientEvent,
} from './gradient-steps';

export const clipAfterStep: Rule = {
  meta: {
    code: 'NG802',
    name: 'clip-after-step',
    family: 'training-loop',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'safe',
    triggers: /clip/,
    summary: 'Gradient clipping runs after the optimizer step, so it never limits an update.',
    explanation:
      'The step has already applied the unclipped gradients, so an exploding gradient (norm 1e6 ' +
      'and more) reaches the weights and can overflow float32 (max ~3.4e38) or float16 (max ' +
      '65504) activations. Clip between backward() and step().',
  },
  create(context) {
    const { model } = context;
    const timeline = new GradientTimeline(model);
    return {
      call: (node) => timeline.add(node),
      end: () => {
        for (const events of timeline.scopes()) {
          for (const [index, event] of events.entries()) {
            if (event.kind !== 'clip') continue;
            const found = unprotectedStepBefore(events, index);
            if (found) report(event, found);
          }
        }
      },
    };

    function report(clip: GradientEvent, { step, unscaled }: UnprotectedStep): void {
      context.report({
        node: clip.call,
        message: t(
          'Gradients are clipped after the optimizer step, which has already applied them unclipped: the clip has no effect on the update. Move it between backward() and step().',
        ),
        related: [{ node: step.call, message: t('The unclipped gradients are applied here.') }],
        fixes: () => buildFixes(model, clip, step, unscaled),
      });
    }
  },
};

interface UnprotectedStep {
  step: GradientEvent;
  /** True when `scaler.unscale_(opt)` already runs before the step. */
  unscaled: boolean;
}

/**
 * The optimizer step that precedes the clip at `index` with no backward in between, when nothing
 * clipped the gradients between the backward that produced them and that step.
 */
function unprotectedStepBefore(events: GradientEvent[], index: number): UnprotectedStep | null {
  let stepIndex = -1;
  for (let previous = index - 1; previous >= 0; previous--) {
    const kind = events[previous].kind;
    if (kind === 'backward' || kind === 'clip') return null;
    if (kind === 'step') {
      stepIndex = previous;
      break;
    }
  }
  if (stepIndex < 0) return null;

  let unscaled = false;
  for (let previous = stepIndex - 1; previous >= 0; previous--) {
    const kind = events[previous].kind;
    if (kind === 'backward' || kind === 'step') break;
    if (kind === 'clip') return null;
    if (kind === 'unscale') unscaled = true;
  }
  return { step: events[stepIndex], unscaled };
}

function buildFixes(
  model: Model,
  clip: GradientEvent,
  step: GradientEvent,
  alreadyUnscaled: boolean,
): Fix[] {
  const stepStatement = ownLineStatement(model, step.call);
  const block = stepStatement?.parent;
  if (!stepStatement || !block) return [];
  const moved = ancestorIn(clip.call, block);
  if (!moved || !movable(model, moved, clip, stepStatement)) return [];

  const lines = reindent(model, moved, model.indentOf(stepStatement));
  if (step.scaler && step.optimizer && !alreadyUnscaled) {
    const unscale = `${model.source(step.scaler)}.unscale_(${model.source(step.optimizer)})`;
    lines.unshift(`${model.indentOf(stepStatement)}${unscale}`);
  }
  const edits: TextEdit[] = [
    insertBefore(stepStatement, lines, lineEnding(model)),
    removeLines(model, moved),
  ];
  return [{ title: t('Move the clipping before the optimizer step'), safe: true, edits }];
}

/** Lines that already carry their indentation, inserted above a statement. */
function insertBefore(statement: Node, lines: string[], eol: string): TextEdit {
  const position = { line: statement.startPosition.row, character: 0 };
  return {
    range: { start: position, end: position },
    newText: lines.map((line) => `${line}${eol}`).join(''),
  };
}

/** The statement of `block` that holds `node`, or null when `node` lies outside the block. */
function ancestorIn(node: Node, block: Node): Node | null {
  for (let current: Node | null = node; current; current = parentOf(current)) {
    if (parentOf(current)?.id === block.id) return current;
  }
  return null;
}

/**
 * A statement can move above the step when it is the clip itself (or a plain `if` around it),
 * starts its own line, leaves its block non-empty, and reads nothing assigned in between.
 */
function movable(model: Model, statement: Node, clip: GradientEvent, stepStatement: Node): boolean {
  if (!['expression_statement', 'if_statement'].includes(statement.type)) return false;
  if (statement.startIndex < stepStatement.endIndex) return false;
  if (ownLineStatement(model, statement) === null) return false;
  const otherStatements = statement.parent?.namedChildren.filter(
    (child) => child && child.type !== 'comment' && child.id !== statement.id,
  );
  if (!otherStatements || otherStatements.length === 0) return false;
  if (statement.type === 'if_statement' && !isPlainGuard(model, statement, stepStatement)) {
    return false;
  }
  const assignment = statement.namedChildren[0];
  if (statement.type === 'expression_statement' && assignment?.type === 'assignment') {
    // `norm = clip_grad_norm_(...)` moves only when nothing between reads `norm`.
    const target = assignment.childForFieldName('left');
    const between = model.text.slice(stepStatement.endIndex, statement.startIndex);
    if (target && between.includes(target.text)) return false;
  }
  return stableBetween(model, clip.call, stepStatement);
}

/** `if clip: clip_grad_norm_(...)`: one clip, no `else`, a condition that means the same earlier. */
function isPlainGuard(model: Model, statement: Node, stepStatement: Node): boolean {
  if (statement.childForFieldName('alternative') || clipCallsIn(statement) !== 1) return false;
  const condition = statement.childForFieldName('condition');
  return condition !== null && stableBetween(model, condition, stepStatement);
}

function clipCallsIn(statement: Node): number {
  return statement.descendantsOfType('call').filter((call) => call && /clip_grad/.test(call.text))
    .length;
}

/** The statement's lines, moved from its own indentation to `indent`. */
function reindent(model: Model, statement: Node, indent: string): string[] {
  const own = model.indentOf(statement);
  const start = model.text.lastIndexOf('\n', statement.startIndex - 1) + 1;
  return model.text
    .slice(start, statement.endIndex)
    .split(/\r?\n/)
    .map((line) => (line.startsWith(own) ? indent + line.slice(own.length) : line));
}
