// NG701 nan-comparison: testing for NaN with `==` or `!=`.
//
// What it does: flags an equality comparison with a NaN constant on either side: `np.nan`,
// `math.nan`, `torch.nan`, `jnp.nan`, `float('nan')` in Python; `NaN` and `Number.NaN` in
// TypeScript and JavaScript, with `==`, `!=`, `===` or `!==`.
// Why is this bad? IEEE 754 says NaN compares unequal to everything, itself included, so
// `x == np.nan` is always False and `x != np.nan` always True. The branch meant for missing values
// never runs, silently.
// Use instead: `np.isnan(x)` (or `torch.isnan`, `jnp.isnan`, `math.isnan`), `Number.isNaN(x)`;
// for `!=`, `not isnan(x)` in a condition and `~isnan(x)` in an array expression.
// Fix safety: unsafe in Python, safe in TypeScript and JavaScript. The fix gives the answer the
// comparison was written to give, and the comparison's constant result was nothing a program
// could rely on; but Python's `isnan` raises TypeError for `None` or a string, where the
// comparison quietly gave False, so a program that passes such values would now stop.
// `Number.isNaN` accepts any value.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Library, Model } from '../engine/model';
import { callParts, comparisonParts, parentOf, stringValue, unwrap } from '../engine/syntax';
import type { Fix, Rule } from '../engine/types';
import { parentThroughParentheses } from '../precision/expressions';

const EQUALITY = new Set(['==', '!=', '===', '!==']);

/** The `isnan` to call for a NaN constant of each library. */
const ISNAN_BY_LIBRARY: Partial<Record<Library, string>> = {
  numpy: 'numpy.isnan',
  torch: 'torch.isnan',
  jax: 'jax.numpy.isnan',
  math: 'math.isnan',
  builtins: 'math.isnan',
};

/** Node kinds whose value is used only as a truth value: a `not` there is exact. */
const BOOLEAN_CONTEXTS = new Set([
  'if_statement',
  'elif_clause',
  'while_statement',
  'not_operator',
  'boolean_operator',
  'assert_statement',
  'if_clause',
]);

export const nanComparison: Rule = {
  meta: {
    code: 'NG701',
    name: 'nan-comparison',
    family: 'comparisons',
    severity: 'error',
    dialects: ['python', 'ts'],
    fixSafety: 'unsafe',
    triggers: /nan/i,
    summary: 'Equality comparison with NaN (x == np.nan, x === NaN), which is never true.',
    explanation:
      'NaN is unequal to every value, itself included (IEEE 754), so x == nan is always False and ' +
      'x != nan always True: the NaN check never fires. Use np.isnan(x), torch.isnan(x), ' +
      'math.isnan(x) or Number.isNaN(x).',
  },
  create(context) {
    const { model } = context;
    return {
      comparison(node) {
        const parts = comparisonParts(node);
        if (!parts || parts.operators.length !== 1 || !EQUALITY.has(parts.operators[0])) return;
        const [left, right] = parts.operands;
        const nanSide = nanLibrary(model, right) ? right : nanLibrary(model, left) ? left : null;
        if (!nanSide) return;
        const tested = nanSide === right ? left : right;
        const library = nanLibrary(model, nanSide) as Library | 'js';
        const negated = parts.operators[0].startsWith('!');

        context.report({
          node,
          message: t(
            'Comparing with NaN using {0} is always {1}: NaN is unequal to everything, itself included. Test with {2} instead.',
            parts.operators[0],
            resultLiteral(model.dialect, negated),
            isnanDisplay(library),
          ),
          fixes: () => [isnanFix(model, node, tested, library, negated)],
        });
      },
    };
  },
};

/** The constant result of the comparison, spelled as the language spells booleans. */
function resultLiteral(dialect: Model['dialect'], negated: boolean): string {
  if (dialect === 'python') return negated ? 'True' : 'False';
  return negated ? 'true' : 'false';
}

/**
 * The library of a NaN constant, `js` for JavaScript's `NaN` and `Number.NaN`, or null when the
 * expression is not a NaN constant.
 */
function nanLibrary(model: Model, node: Node): Library | 'js' | null {
  const inner = unwrap(node);
  const qualified = model.qualifiedName(inner);
  if (qualified === 'NaN' || qualified === 'Number.NaN') return 'js';
  if (qualified && /^(numpy|math|torch|jax\.numpy|jax)\.(nan|NaN|NAN)$/.test(qualified)) {
    return qualified.startsWith('jax') ? 'jax' : (qualified.split('.')[0] as Library);
  }
  const call = callParts(inner);
  if (call && model.qualifiedName(call.callee) === 'builtins.float' && call.args.length === 1) {
    const text = stringValue(call.args[0]);
    if (text !== null && /^\s*[+-]?nan\s*$/i.test(text)) return 'builtins';
  }
  return null;
}

function isnanDisplay(library: Library | 'js'): string {
  if (library === 'js') return 'Number.isNaN(x)';
  const qualified = ISNAN_BY_LIBRARY[library] ?? 'numpy.isnan';
  return `${qualified.replace(/^numpy\./, 'np.').replace(/^jax\.numpy\./, 'jnp.')}(x)`;
}

/** True when the comparison's value is used only as a truth value (an `if`, `and`, `not`…). */
function inBooleanContext(node: Node): boolean {
  const parent = parentThroughParentheses(node);
  if (!parent) return false;
  if (parent.type === 'conditional_expression') {
    // `a if cond else b`: only the middle operand is a condition.
    return parent.namedChildren[1]?.id === unwrapParentheses(node, parent).id;
  }
  return BOOLEAN_CONTEXTS.has(parent.type);
}

/** The child of `parent` that holds `node`, possibly in parentheses. */
function unwrapParentheses(node: Node, parent: Node): Node {
  let current = node;
  for (let up = parentOf(current); up && up.id !== parent.id; up = parentOf(current)) current = up;
  return current;
}

function isnanFix(
  model: Model,
  comparison: Node,
  tested: Node,
  library: Library | 'js',
  negated: boolean,
): Fix {
  const argument = model.source(tested);
  if (library === 'js') {
    const call = `Number.isNaN(${argument})`;
    return {
      title: t('Use {0}', 'Number.isNaN'),
      safe: true,
      edits: [model.replace(comparison, negated ? `!${call}` : call)],
    };
  }

  const booleanContext = inBooleanContext(comparison);
  // `math.isnan` rejects arrays: outside a condition, a file that uses NumPy may be comparing an
  // array with `float('nan')`, and `np.isnan` serves scalars and arrays alike.
  const qualified =
    library === 'builtins' && !booleanContext && model.libraries.has('numpy')
      ? 'numpy.isnan'
      : (ISNAN_BY_LIBRARY[library] ?? 'numpy.isnan');
  const reference = model.reference(qualified);
  const call = `${reference.text}(${argument})`;
  // `~` on a Python bool is bitwise (~True == -2): scalars and conditions need `not`.
  const useNot = booleanContext || qualified === 'math.isnan';
  const text = negated ? (useNot ? `not ${call}` : `~${call}`) : call;
  return {
    title: t('Use {0}', reference.text),
    // isnan raises TypeError for None or a string, which compared unequal to NaN without error.
    safe: false,
    edits: [
      model.replace(comparison, text),
      ...(reference.importEdit ? [reference.importEdit] : []),
    ],
  };
}
