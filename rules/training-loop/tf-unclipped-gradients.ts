// NG803 tf-unclipped-gradients: TensorFlow gradients applied straight from the tape.
//
// What it does: flags `optimizer.apply_gradients(zip(grads, variables))` when `grads` comes from
// `tape.gradient(...)` without passing through `tf.clip_by_global_norm`, `tf.clip_by_norm` or
// `tf.clip_by_value`, and the optimizer was not built with `clipnorm=`, `clipvalue=` or
// `global_clipnorm=`.
// Why is this bad? One exploding batch (a long sequence through an RNN, a saturated attention
// logit) gives gradients with a norm of 1e6 or more; the update moves the weights so far that the
// next forward pass overflows float32 (max about 3.4e38) and every later loss is NaN.
// Use instead: `grads, _ = tf.clip_by_global_norm(grads, 1.0)` before `apply_gradients`, or an
// optimizer built with `global_clipnorm=1.0`.
// Fix safety: unsafe. Clipping changes every update whose gradient norm exceeds the threshold,
// and the right threshold depends on the model.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model } from '../engine/model';
import { calleeLastName, callParts, memberParts, parentOf, unwrap } from '../engine/syntax';
import type { Fix, Rule, TextEdit } from '../engine/types';
import { constructionOf, linesBefore, ownLineStatement } from './gradient-steps';

const CLIPPING_OPTIONS = ['clipnorm', 'clipvalue', 'global_clipnorm'];

export const tfUnclippedGradients: Rule = {
  meta: {
    code: 'NG803',
    name: 'tf-unclipped-gradients',
    family: 'training-loop',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'unsafe',
    triggers: /apply_gradients/,
    summary: 'apply_gradients receives gradients from tape.gradient with no clipping.',
    explanation:
      'One exploding batch can give gradients with a norm of 1e6 or more; the update then pushes ' +
      'the weights past what float32 (max ~3.4e38) activations can hold and every later loss is ' +
      'NaN. Clip first with grads, _ = tf.clip_by_global_norm(grads, 1.0), or build the ' +
      'optimizer with global_clipnorm=1.0.',
  },
  create(context) {
    const { model } = context;
    return {
      call: (node) => {
        if (calleeLastName(node) !== 'apply_gradients') return;
        const call = callParts(node);
        const member = call ? memberParts(call.callee) : null;
        if (!call || !member || member.property !== 'apply_gradients') return;
        const gradients = gradientsArgument(
          model,
          call.args[0] ?? call.keywords.get('grads_and_vars'),
        );
        if (!gradients || gradientSource(model, gradients) !== 'tape') return;
        if (clipsByConstruction(model, member.object)) return;
        context.report({
          node,
          message: t(
            'Gradients from tape.gradient are applied unclipped: one exploding batch can push the weights to inf/NaN for the rest of training. Clip them with tf.clip_by_global_norm first.',
          ),
          fixes: () => buildFixes(model, node, gradients),
        });
      },
    };
  },
};

/** `zip(grads, variables)` (possibly inside `list(...)`) → `grads`. */
function gradientsArgument(model: Model, argument: Node | undefined): Node | null {
  if (!argument) return null;
  const call = callParts(unwrap(argument));
  if (!call) return null;
  const name = model.qualifiedName(call.callee);
  if (name === 'builtins.list' || call.callee.text === 'list') {
    return gradientsArgument(model, call.args[0]);
  }
  if (call.callee.text !== 'zip' || call.args.length < 2) return null;
  return call.args[0];
}

type GradientSource = 'tape' | 'clipped' | null;

/** Where a gradient list comes from: the tape directly, a clipping call, or something else. */
function gradientSource(model: Model, node: Node, depth = 0): GradientSource {
  if (depth > 6) return null;
  const inner = unwrap(node);
  if (inner.type === 'identifier') {
    const binding = model.bindingAt(inner);
    if (!binding || binding.target.id === inner.id) return null;
    if (binding.kind === 'assignment' && binding.value) {
      return gradientSource(model, binding.value, depth + 1);
    }
    // `grads, _ = tf.clip_by_global_norm(grads, 1.0)` binds by unpacking.
    const assignment = enclosingAssignment(binding.target);
    const right = assignment?.childForFieldName('right');
    return right ? gradientSource(model, right, depth + 1) : null;
  }
  if (inner.type === 'list_comprehension' || inner.type === 'generator_expression') {
    const body = inner.childForFieldName('body');
    return body && mentionsClip(body) ? 'clipped' : null;
  }
  const call = callParts(inner);
  if (!call) return null;
  const callee = unwrap(call.callee);
  const name = memberParts(callee)?.property ?? callee.text;
  if (/clip/i.test(name)) return 'clipped';
  return name === 'gradient' ? 'tape' : null;
}

function mentionsClip(node: Node): boolean {
  return node.descendantsOfType('call').some((call) => call !== null && /clip/i.test(call.text));
}

function enclosingAssignment(target: Node): Node | null {
  for (let current = parentOf(target); current; current = parentOf(current)) {
    if (current.type === 'assignment') return current;
    if (current.type.endsWith('statement')) return null;
  }
  return null;
}

/** True when the optimizer was built with `clipnorm=`, `clipvalue=` or `global_clipnorm=`. */
function clipsByConstruction(model: Model, optimizer: Node): boolean {
  const construction = constructionOf(model, optimizer);
  return construction !== null && CLIPPING_OPTIONS.some((key) => construction.keywords.has(key));
}

function buildFixes(model: Model, apply: Node, gradients: Node): Fix[] {
  const statement = ownLineStatement(model, apply);
  const name = unwrap(gradients);
  if (!statement || name.type !== 'identifier') return [];
  const clip = model.reference('tensorflow.clip_by_global_norm');
  const edits: TextEdit[] = [
    linesBefore(model, statement, [`${name.text}, _ = ${clip.text}(${name.text}, 1.0)`]),
  ];
  if (clip.importEdit) edits.push(clip.importEdit);
  return [{ title: t('Clip the gradients by global norm'), safe: false, edits }];
}
