// NG301 log1p: `log(1 + x)` and `log(1 - x)` written out.
//
// What it does: flags a natural logarithm whose argument is 1 plus or minus a value, in NumPy,
// PyTorch, TensorFlow, JAX, `math`, `Math` and TensorFlow.js, in function and method form and
// through local variables.
// Why is this bad? Adding a small x to 1 rounds away its low digits before the log sees them: in
// float64, 1 + x == 1 for |x| below about 1.1e-16 (float32: below about 6e-8), so log(1 + x)
// returns 0 where the answer is x, and loses relative precision well above that threshold.
// Use instead: `log1p(x)` and `log1p(-x)`, which are accurate for every small x.
// Fix safety: safe. log1p computes the same function, more accurately.
//
// `log(n + 1)` of a count is not flagged: 1 + n is exact for a whole number, so there is nothing
// to recover, and code writes it on purpose for a count that may be 0.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model, Operation } from '../engine/model';
import { callParts, memberParts, numberValue } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { expValue, stableBetween } from '../engine/values';
import { isOne, negation, replaceValue, siblingCall } from './expressions';

export const log1p: Rule = {
  meta: {
    code: 'NG301',
    name: 'log1p',
    family: 'precision',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'safe',
    triggers: /log/,
    summary: 'log(1 + x) or log(1 - x) written out instead of log1p.',
    explanation:
      '1 + x rounds to exactly 1 when |x| is below about 1.1e-16 in float64 (6e-8 in float32), ' +
      'so log(1 + x) returns 0 instead of about x and loses digits for every small x. ' +
      'log1p(x) is accurate for all small x; use log1p(-x) for log(1 - x).',
  },
  create(context) {
    const { model } = context;
    return {
      call(node) {
        const log = model.operation(node);
        if (!log || log.op !== 'log' || !log.input || !isPlainCall(log)) return;
        const small = onePlusOrMinus(model, log.input);
        if (!small) return;
        // log(1 + exp(x)) is a softplus (NG105) and log(1 - exp(-x)) needs expm1 (NG302):
        // log1p alone would leave the exp's own overflow or cancellation in place.
        if (model.operationOf(small.term)?.op === 'exp') return;

        context.report({
          node: log.node,
          message: small.negated
            ? t(
                'log(1 - x) loses precision for small x: 1 - x rounds to 1 when |x| is below ~1.1e-16 (float64) or ~6e-8 (float32). Use log1p(-x).',
              )
            : t(
                'log(1 + x) loses precision for small x: 1 + x rounds to 1 when |x| is below ~1.1e-16 (float64) or ~6e-8 (float32). Use log1p(x).',
              ),
          fixes: () => buildFixes(model, log, small),
        });
      },
    };
  },
};

interface SmallTerm {
  /** The x of 1 + x or 1 - x. */
  term: Node;
  negated: boolean;
  /** The `1 ± x` expression itself, possibly in a variable. */
  sum: Node;
}

/** A log call with nothing but its input: `math.log(x, base)` and `np.log(x, out=y)` differ. */
function isPlainCall(log: Operation): boolean {
  return log.rest.length === 0 && [...log.call.keywords.keys()].every((key) => key === 'name');
}

/**
 * The small term of `1 + x`, `x + 1` or `1 - x` (looking through a variable), unless x is a
 * literal or an exp: `log(1 + exp(x))` is a softplus, whose hazard is overflow, not precision.
 */
function onePlusOrMinus(model: Model, input: Node): SmallTerm | null {
  const sum = model.resolve(input);
  const arithmetic = model.arithmetic(sum);
  if (!arithmetic) return null;
  let found: SmallTerm | null = null;
  if (arithmetic.operator === '+' && isOne(arithmetic.left)) {
    found = { term: arithmetic.right, negated: false, sum };
  } else if (arithmetic.operator === '+' && isOne(arithmetic.right)) {
    found = { term: arithmetic.left, negated: false, sum };
  } else if (arithmetic.operator === '-' && isOne(arithmetic.left)) {
    found = { term: arithmetic.right, negated: true, sum };
  }
  if (!found || numberValue(found.term) !== null) return null;
  if (!found.negated && expValue(model, found.term)) return null;
  if (!found.negated && isCount(model, found.term)) return null;
  return found;
}

/** Names that conventionally hold a count: `n`, `N`, `k`, `n_samples`, `num_items`, `counts`. */
const COUNT_NAME = /^(n|N|k|n_\w+|num_\w+|\w*counts?_?|count_\w+)$/;
const COUNT_CALLS = new Set(['len', 'range', 'arange', 'numel', 'count_nonzero', 'bincount']);
const SIZE_ATTRIBUTES = new Set(['shape', 'size', 'ndim']);

/**
 * True when x is a count: a length, a size, an `arange`, or a variable named like a count.
 * `1 + n` is exact for an integer n >= 0 (below 2^53 in float64), so log1p gains nothing there;
 * code writes `log(n + 1)` for a count that may be 0.
 */
function isCount(model: Model, term: Node, depth = 0): boolean {
  const value = model.resolve(term);
  if (value.type === 'identifier') return COUNT_NAME.test(value.text);
  const call = callParts(value);
  if (call) {
    const name = calleeName(call.callee);
    return name !== null && COUNT_CALLS.has(name);
  }
  const member = memberParts(value);
  if (member) return SIZE_ATTRIBUTES.has(member.property) || COUNT_NAME.test(member.property);
  if (value.type === 'subscript' && depth < 2) {
    const base = value.childForFieldName('value');
    return base !== null && isCount(model, base, depth + 1);
  }
  return false;
}

function calleeName(callee: Node): string | null {
  const member = memberParts(callee);
  if (member) return member.property;
  return callee.type === 'identifier' ? callee.text : null;
}

function buildFixes(model: Model, log: Operation, small: SmallTerm): Fix[] {
  if (!stableBetween(model, small.term, log.node)) return [];
  const argument = small.negated ? negation(model, log, small.term) : null;
  const call = siblingCall(model, log, 'log1p', argument ? argument.text : small.term);
  return [
    {
      title: t('Use {0}', call.display),
      safe: true,
      edits: [replaceValue(model, log.node, call.text), ...call.edits, ...(argument?.edits ?? [])],
    },
  ];
}
