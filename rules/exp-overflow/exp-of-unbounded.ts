// NG106 exp-of-unbounded: exp of a log-variance (or log-scale) that nothing bounds.
//
// What it does: flags `exp(logvar)`, `exp(0.5 * logvar)`, `logvar.exp()` and the like when the
// name says the value is a log-variance, log-sigma, log-std or log-scale, typically a network
// output feeding a reparameterisation or a KL term, and no clamp is applied to it first.
// Why is this bad? A network output is unbounded. exp overflows float32 above about 88.7
// (exp(0.5 * logvar) once logvar passes about 177), and long before that a huge variance
// destabilises the KL term and the gradients; the loss becomes inf and then NaN.
// Use instead: clamp the log-variance to a range such as [-30, 20] before the exp (exp(20) is
// about 4.9e8, exp(-30) about 9.4e-14), as widely used VAE and diffusion code does.
// Fix safety: unsafe. The clamp changes values outside the range, which is its purpose.
// This rule is information level: a name is a hint, not a proof that the value is unbounded.
// A learned parameter (`nn.Parameter`, `tf.Variable`) is not a network output and is skipped.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { callParts, memberParts, numberValue, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { isShiftedOrBounded } from '../engine/values';
import { attributeValue } from '../log-domain/objects';

/** Names of log-variances and log-scales: `logvar`, `log_var`, `z_log_var`, `logSigma`, … */
const LOG_SCALE_NAME =
  /(^|_)log_?(var|variance|sigma|sigma2|sigmasq|std|sd|scale)s?(_|$)|^log(Var|Variance|Sigma|Std|Scale)|[a-z]Log(Var|Variance|Sigma|Std|Scale)/i;

function isLogScaleName(name: string): boolean {
  return LOG_SCALE_NAME.test(name);
}

/** The name node inside an exponent: `logvar`, `0.5 * logvar`, `logvar / 2`, `self.log_std`. */
function logScaleInside(model: Model, exponent: Node): Node | null {
  const inner = unwrap(exponent);
  const arithmetic = model.arithmetic(inner);
  if (arithmetic && (arithmetic.operator === '*' || arithmetic.operator === '/')) {
    if (numberValue(arithmetic.right) !== null) return logScaleInside(model, arithmetic.left);
    if (arithmetic.operator === '*' && numberValue(arithmetic.left) !== null) {
      return logScaleInside(model, arithmetic.right);
    }
    return null;
  }
  if (inner.type === 'identifier') return isLogScaleName(inner.text) ? inner : null;
  const member = memberParts(inner);
  return member && isLogScaleName(member.property) ? inner : null;
}

/**
 * A learned parameter (`self.log_std = nn.Parameter(torch.zeros(n))`, a `tf.Variable`) moves
 * only by optimiser steps, unlike a network output; the rule leaves it alone.
 */
function isLearnedParameter(model: Model, name: Node): boolean {
  const value = memberParts(name) ? attributeValue(model, name.text) : model.resolve(name);
  const call = value ? callParts(unwrap(value)) : null;
  const qualified = call ? (model.qualifiedName(call.callee) ?? '') : '';
  return /\.(Parameter|Variable)$/.test(qualified);
}

function clampedText(model: Model, library: Operation['library'], name: string): string | null {
  switch (library) {
    case 'torch':
      return `${name}.clamp(-30.0, 20.0)`;
    case 'numpy':
    case 'scipy':
      return `${model.reference('numpy.clip').text}(${name}, -30.0, 20.0)`;
    case 'jax':
      return `${model.reference('jax.numpy.clip').text}(${name}, -30.0, 20.0)`;
    case 'tensorflow':
      return `${model.reference('tensorflow.clip_by_value').text}(${name}, -30.0, 20.0)`;
    case 'tfjs':
      return `${model.reference('tfjs.clipByValue').text}(${name}, -30, 20)`;
    default:
      return null;
  }
}

const CLAMP_IMPORT: Partial<Record<Operation['library'], string>> = {
  numpy: 'numpy.clip',
  scipy: 'numpy.clip',
  jax: 'jax.numpy.clip',
  tensorflow: 'tensorflow.clip_by_value',
  tfjs: 'tfjs.clipByValue',
};

export const expOfUnbounded: Rule = {
  meta: {
    code: 'NG106',
    name: 'exp-of-unbounded',
    family: 'exp-overflow',
    severity: 'information',
    dialects: ['python', 'ts'],
    fixSafety: 'unsafe',
    triggers: /exp/,
    summary: 'exp of a log-variance or log-scale that is not clamped first.',
    explanation:
      'A network output is unbounded: exp overflows float32 above about 88.7, and a huge ' +
      'variance blows up the KL term well before that. Clamp the log-variance, for example to ' +
      '[-30, 20], before the exp.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const exp = model.operation(node);
        if (exp?.op !== 'exp' || !exp.input || isShiftedOrBounded(model, exp.input)) return;
        const name = logScaleInside(model, exp.input);
        if (!name || isShiftedOrBounded(model, name) || isLearnedParameter(model, name)) return;

        context.report({
          node: exp.node,
          message: t(
            'exp of {0}, a log-variance with no clamp: exp overflows float32 above ~88.7 and a huge variance destabilises the loss first. Clamp {0} (for example to [-30, 20]) before the exp.',
            name.text,
          ),
          fixes: () => buildFixes(exp, name),
        });
      },
    };

    function buildFixes(exp: Operation, name: Node): Fix[] {
      const text = clampedText(model, exp.library, model.source(name));
      if (!text) return [];
      const needed = CLAMP_IMPORT[exp.library];
      const reference = needed ? model.reference(needed) : null;
      return [
        {
          title: t('Clamp {0} to [-30, 20] before exp', name.text),
          safe: false,
          edits: [
            model.replace(name, text),
            ...(reference?.importEdit ? [reference.importEdit] : []),
          ],
        },
      ];
    }
  },
};
