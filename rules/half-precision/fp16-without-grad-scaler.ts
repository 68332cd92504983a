// NG604 fp16-without-grad-scaler: float16 training with no loss scaling.
//
// What it does: flags a float16 `torch.autocast` region (`dtype=torch.float16`, or CUDA autocast
// with no dtype, whose default is float16; `torch.cuda.amp.autocast()`) and a `model.half()`, in
// a file that calls `backward()` and never creates a GradScaler. bfloat16 and CPU autocast stay
// silent: bfloat16 has float32's range.
// Why is this bad? float16 stores nothing below about 6e-8 (and nothing normal below 6.1e-5):
// gradients smaller than that flush to zero and those weights stop learning, while large ones
// overflow 65504 to inf and the step writes inf into the weights. A GradScaler multiplies the loss
// before backward so small gradients survive, and skips steps whose gradients overflowed.
// Use instead: `scaler = torch.amp.GradScaler()` created once, `scaler.scale(loss).backward()`,
// `scaler.step(optimizer)`, `scaler.update()`; or autocast with `dtype=torch.bfloat16` where the
// hardware supports it. A model cast with `.half()` should keep float32 weights and use autocast.
// Fix safety: unsafe. The scaler skips the steps whose gradients overflow, so the sequence of
// updates changes; the fix is offered only where the scaler can be created outside the loop.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model } from '../engine/model';
import { calleeLastName, callParts, memberParts, parentOf, unwrap } from '../engine/syntax';
import type { Fix, Rule, TextEdit } from '../engine/types';
import {
  gradientEvent,
  isGradScalerCall,
  linesAfter,
  linesBefore,
  ownLineStatement,
  type GradientEvent,
} from '../training-loop/gradient-steps';
import { HALF_PRECISION_WORDS, autocastPrecision } from './dtypes';

const SCALER_NAME = 'scaler';

export const fp16WithoutGradScaler: Rule = {
  meta: {
    code: 'NG604',
    name: 'fp16-without-grad-scaler',
    family: 'half-precision',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'unsafe',
    triggers: HALF_PRECISION_WORDS,
    // A GradScaler anywhere, or a `scaler.scale(loss)` by any name (see isGradScalerCall).
    fileWide: /backward|scaler/i,
    summary: 'Training runs in float16 but no GradScaler scales the loss before backward().',
    explanation:
      'float16 stores nothing below ~6e-8 and overflows above 65504: small gradients flush to ' +
      'zero and large ones become inf. A GradScaler multiplies the loss before backward() and ' +
      'skips steps that overflowed: create torch.amp.GradScaler() once, then ' +
      'scaler.scale(loss).backward(), scaler.step(optimizer), scaler.update(); or use bfloat16.',
  },
  create(context) {
    const { model } = context;
    const autocasts: Node[] = [];
    const halfModels: Node[] = [];
    const events: GradientEvent[] = [];
    let scalerInFile = false;
    return {
      call: (node) => {
        const name = calleeLastName(node);
        if (isGradScalerCall(node)) scalerInFile = true;
        if (name === 'half' && isModelCast(model, node)) halfModels.push(node);
        if (name === 'autocast' && isWithItem(node) && autocastPrecision(model, node) === 'half') {
          autocasts.push(node);
        }
        const event = gradientEvent(model, node);
        if (event) events.push(event);
      },
      end: () => {
        // FIXME: a GradScaler created in another module and passed in is not seen.
        if (scalerInFile || !events.some((event) => event.kind === 'backward')) return;
        for (const autocast of autocasts) reportAutocast(autocast);
        for (const cast of halfModels) reportHalfModel(cast);
      },
    };

    function reportAutocast(autocast: Node): void {
      context.report({
        node: autocast,
        message: t(
          'float16 autocast with backward() but no GradScaler: gradients below ~6e-8 flush to zero and overflows (above 65504) go unnoticed. Scale the loss with torch.amp.GradScaler, or use dtype=torch.bfloat16.',
        ),
        fixes: () => buildFixes(model, autocast, events),
      });
    }

    function reportHalfModel(cast: Node): void {
      context.report({
        node: cast,
        message: t(
          'The model is cast to float16 and trained with no loss scaling: gradients below ~6e-8 flush to zero and the float16 weights lose small updates. Keep float32 weights and train under torch.autocast with torch.amp.GradScaler.',
        ),
      });
    }
  },
};

function isWithItem(node: Node): boolean {
  const parent = node.parent;
  if (parent?.type === 'with_item') return true;
  return parent?.type === 'as_pattern' && parent.parent?.type === 'with_item';
}

/** `model.half()` as a statement (a tensor's `.half()` alone would do nothing), or `net = Net().half()`. */
function isModelCast(model: Model, node: Node): boolean {
  const call = callParts(node);
  const member = call ? memberParts(call.callee) : null;
  if (!call || !member || call.args.length > 0 || model.qualifiedName(call.callee)) return false;
  const parent = node.parent;
  if (parent?.type === 'expression_statement') return true;
  if (parent?.type !== 'assignment') return false;
  const target = parent.childForFieldName('left')?.text ?? '';
  return /model|net|module|encoder|decoder|transformer/i.test(target);
}

/**
 * Rewrites the one backward and the one optimizer step that follow the autocast region in its
 * function: `scaler.scale(loss).backward()`, `scaler.step(opt)` and `scaler.update()`, with the
 * scaler created before the outermost loop around the region (or before the region at module
 * level). A scaler created inside a function that runs once per step would forget its scale.
 */
function buildFixes(model: Model, autocast: Node, events: GradientEvent[]): Fix[] {
  const scope = functionScope(autocast);
  const later = events.filter(
    (event) =>
      functionScope(event.call).id === scope.id && event.call.startIndex > autocast.startIndex,
  );
  const backwards = later.filter((event) => event.kind === 'backward');
  const steps = later.filter((event) => event.kind === 'step' && !event.scaler);
  if (backwards.length !== 1 || steps.length !== 1) return [];
  if (model.bindingsOf(SCALER_NAME, autocast).length > 0) return [];

  const backward = memberParts(callParts(backwards[0].call)?.callee ?? backwards[0].call);
  const step = steps[0];
  const stepStatement = ownLineStatement(model, step.call);
  const creationSite = scalerCreationSite(autocast, scope);
  if (!backward || !step.optimizer || !stepStatement || !creationSite) return [];

  // torch.cuda.amp.GradScaler exists in every PyTorch release with autocast (1.6 on), where
  // torch.amp.GradScaler needs 2.3; newer releases only warn that the CUDA spelling is old.
  const gradScaler = model.reference('torch.cuda.amp.GradScaler');
  const edits: TextEdit[] = [
    linesBefore(model, creationSite, [`${SCALER_NAME} = ${gradScaler.text}()`]),
    model.replace(
      backward.object,
      `${SCALER_NAME}.scale(${model.source(unwrap(backward.object))})`,
    ),
    model.replace(step.call, `${SCALER_NAME}.step(${model.source(step.optimizer)})`),
    linesAfter(model, stepStatement, [`${SCALER_NAME}.update()`]),
  ];
  if (gradScaler.importEdit) edits.push(gradScaler.importEdit);
  return [{ title: t('Scale the loss with a GradScaler'), safe: false, edits }];
}

function functionScope(node: Node): Node {
  let current: Node = node;
  for (let up = parentOf(current); up; up = parentOf(current)) {
    if (current.type === 'function_definition') return current;
    current = up;
  }
  return current;
}

/** The statement before which the scaler is created: outside every loop, inside the scope. */
function scalerCreationSite(autocast: Node, scope: Node): Node | null {
  let outermostLoop: Node | null = null;
  let withStatement: Node | null = null;
  for (
    let current = parentOf(autocast);
    current && current.id !== scope.id;
    current = parentOf(current)
  ) {
    if (current.type === 'with_statement' && !withStatement) withStatement = current;
    if (current.type === 'for_statement' || current.type === 'while_statement') {
      outermostLoop = current;
    }
  }
  if (outermostLoop) return outermostLoop;
  return scope.type === 'module' ? withStatement : null;
}
