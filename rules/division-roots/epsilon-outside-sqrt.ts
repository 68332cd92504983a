// NG503 epsilon-outside-sqrt: `sqrt(var) + eps`, the epsilon added after the root.
//
// What it does: flags an epsilon (a small positive literal or a name such as `eps`) added to the
// result of `torch.sqrt`, `x.sqrt()`, `jnp.sqrt` or `tf.sqrt` in PyTorch, JAX and TensorFlow
// code, where the root's argument has no floor of its own.
// Why is this bad? The epsilon keeps the forward division finite but does nothing for the
// gradient: the derivative of sqrt(v) is 1 / (2 sqrt(v)), infinite at v = 0, and the variance of a
// constant row or the norm of a zero vector is exactly 0. Backward then computes inf * 0 = NaN.
// Use instead: the epsilon inside the root, `torch.sqrt(var + eps)` or `torch.rsqrt(var + eps)`,
// as the library normalisation layers do.
// Fix safety: unsafe. sqrt(v + eps) differs from sqrt(v) + eps by up to sqrt(eps) near v = 0 and
// by about eps / (2 sqrt(v)) elsewhere.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import type { Fix, Rule } from '../engine/types';
import { hasFloor } from '../engine/values';
import { isEpsilon, replaceValue, siblingCall } from '../precision/expressions';
import { onDifferentiablePath } from './autodiff-context';

export const epsilonOutsideSqrt: Rule = {
  meta: {
    code: 'NG503',
    name: 'epsilon-outside-sqrt',
    family: 'division-roots',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'unsafe',
    triggers: /sqrt/,
    summary:
      'An epsilon added after a sqrt (sqrt(var) + eps) instead of inside it, under autograd.',
    explanation:
      'sqrt(var) + eps keeps the forward pass finite, but the derivative of sqrt is ' +
      '1 / (2 sqrt(var)), infinite when var is exactly 0 (a constant row, a zero vector), so ' +
      'backward gives NaN. Put the epsilon inside: sqrt(var + eps) or rsqrt(var + eps).',
  },
  create(context) {
    const { model } = context;
    return {
      binary(node) {
        const sum = model.arithmetic(node);
        if (!sum || sum.operator !== '+') return;
        const sqrtFirst = model.operation(sum.left);
        const sqrt = sqrtFirst?.op === 'sqrt' ? sqrtFirst : model.operation(sum.right);
        if (!sqrt || sqrt.op !== 'sqrt' || !sqrt.input || sqrt.rest.length > 0) return;
        const eps = sqrt === sqrtFirst ? sum.right : sum.left;
        if (!isEpsilon(model, eps) || hasFloor(model, sqrt.input)) return;
        if (!onDifferentiablePath(model, sqrt)) return;

        context.report({
          node,
          message: t(
            'The epsilon is added after the sqrt: the forward pass is finite, but the derivative of sqrt is infinite at 0, so a zero variance gives NaN gradients. Move the epsilon inside: sqrt(var + eps).',
          ),
          fixes: () => insideFix(model, node, sqrt, eps),
        });
      },
    };
  },
};

function insideFix(model: Model, sum: Node, sqrt: Operation, eps: Node): Fix[] {
  if (!sqrt.input) return [];
  const inside = `${model.source(sqrt.input)} + ${model.source(eps)}`;
  const call = siblingCall(model, sqrt, 'sqrt', inside);
  return [
    {
      title: t('Move the epsilon inside the sqrt'),
      safe: false,
      edits: [replaceValue(model, sum, call.text), ...call.edits],
    },
  ];
}
