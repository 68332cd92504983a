// NG102 manual-logsumexp: `log(sum(exp(x)))` written by hand.
//
// What it does: flags a log of a sum of exps whose exponent is not shifted by its maximum, in
// function and method forms (`np.log(np.sum(np.exp(x), axis=1))`, `x.exp().sum(-1).log()`,
// `tf.log(tf.sum(tf.exp(x)))`).
// Why is this bad? exp overflows float32 above about 88.7 (float64 above about 709.8), so one
// large entry makes the sum inf and the result inf, although the true value is only a little
// above max(x). Very negative entries underflow every term to 0 and give log(0) = -inf.
// Use instead: the library logsumexp over the same axis, which subtracts the maximum first:
// `scipy.special.logsumexp`, `torch.logsumexp` (its `dim` is required: a sum over every element
// becomes `torch.logsumexp(x.flatten(), dim=0)`), `tf.math.reduce_logsumexp`, `jax.nn.logsumexp`,
// `tf.logSumExp` in TensorFlow.js.
// Fix safety: safe. The library function reduces over the same axis with the same keepdims and
// equals the original wherever it is finite.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import type { Fix, Rule } from '../engine/types';
import { expValue, isShiftedOrBounded, stableBetween } from '../engine/values';
import { grouped } from '../log-domain/stable-forms';
import { isConstantExponent } from './constant-exponent';

interface LibraryLogsumexp {
  name: string;
  /** Keywords of the sum that keep their meaning in the logsumexp call. */
  keywords: string[];
  /** How many positional arguments after the input mean the same in both calls. */
  positional: number;
}

const LIBRARY_LOGSUMEXP: Partial<Record<Operation['library'], LibraryLogsumexp>> = {
  numpy: { name: 'scipy.special.logsumexp', keywords: ['axis', 'keepdims'], positional: 1 },
  scipy: { name: 'scipy.special.logsumexp', keywords: ['axis', 'keepdims'], positional: 1 },
  torch: { name: 'torch.logsumexp', keywords: ['dim', 'keepdim'], positional: 2 },
  tensorflow: {
    name: 'tensorflow.math.reduce_logsumexp',
    keywords: ['axis', 'keepdims'],
    positional: 2,
  },
  jax: { name: 'jax.nn.logsumexp', keywords: ['axis', 'keepdims'], positional: 1 },
  tfjs: { name: 'tfjs.logSumExp', keywords: [], positional: 2 },
};

export const manualLogsumexp: Rule = {
  meta: {
    code: 'NG102',
    name: 'manual-logsumexp',
    family: 'exp-overflow',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /exp/,
    summary: 'logsumexp written by hand as log(sum(exp(x))) without subtracting the maximum.',
    explanation:
      'exp overflows float32 above about 88.7 (float64 above about 709.8), so one large entry ' +
      'makes the sum inf although the true result is close to max(x); very negative entries ' +
      'give log(0) = -inf. The library logsumexp subtracts the maximum first.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const log = model.operation(node);
        if (log?.op !== 'log' || !log.input) return;
        const sum = model.operationOf(log.input);
        if (sum?.op !== 'sum' || !sum.input) return;
        const exp = expValue(model, sum.input);
        if (!exp?.input || isShiftedOrBounded(model, exp.input)) return;
        // exp of a literal is a constant that the author can see does not overflow.
        if (isConstantExponent(model, exp.input)) return;

        context.report({
          node: log.node,
          message: t(
            'log(sum(exp(x))) by hand: exp overflows float32 above ~88.7, so one large entry gives inf where the answer is about max(x). Use logsumexp over the same axis.',
          ),
          related:
            exp.node.id === sum.input.id
              ? []
              : [{ node: exp.node, message: t('The exp is computed here.') }],
          fixes: () => buildFixes(model, log, sum, exp),
        });
      },
    };
  },
};

function buildFixes(model: Model, log: Operation, sum: Operation, exp: Operation): Fix[] {
  if (!exp.input || !stableBetween(model, exp.input, log.node)) return [];
  const library = sum.isMethod ? exp.library : sum.library;
  const target = LIBRARY_LOGSUMEXP[library];
  if (!target) return [];
  const args = reductionArguments(model, sum, target);
  if (args === null) return [];

  const input = model.source(exp.input);
  if (library === 'tfjs' && sum.isMethod) {
    // A chain of tensor methods stays one: no import, whatever the module is called here.
    const text = `${grouped(input)}.logSumExp(${args.join(', ')})`;
    return [
      { title: t('Use {0}', '.logSumExp()'), safe: true, edits: [model.replace(log.node, text)] },
    ];
  }
  const reference = model.reference(target.name);
  let text = `${reference.text}(${[input, ...args].join(', ')})`;
  if (library === 'torch' && args.length === 0) {
    // torch.logsumexp needs a dim; a sum over every element is a logsumexp of the flat tensor.
    text = `${reference.text}(${grouped(input)}.flatten(), dim=0)`;
  }
  const edits = [model.replace(log.node, text)];
  if (reference.importEdit) edits.push(reference.importEdit);
  return [{ title: t('Use {0}', reference.text), safe: true, edits }];
}

/** The sum's axis and keepdims arguments as text, or null when one has no equivalent. */
function reductionArguments(
  model: Model,
  sum: Operation,
  target: LibraryLogsumexp,
): string[] | null {
  const positional = sum.isMethod ? sum.call.args : sum.call.args.slice(1);
  if (positional.length > target.positional) return null;
  const result = positional.map((arg) => model.source(arg));
  for (const [name, value] of sum.call.keywords) {
    if (name === 'input' || name === 'x' || name === 'input_tensor' || name === 'a') continue;
    if (!target.keywords.includes(name)) return null;
    result.push(`${name}=${model.source(value)}`);
  }
  return result;
}
