// NG603 epsilon-below-resolution: an epsilon too small for the dtype it is computed in.
//
// What it does: flags three forms of one mistake. `1 - 1e-8` (directly or through a constant
// such as `EPS = 1e-8`) in float32 code: torch, TensorFlow, JAX and TensorFlow.js compute in
// float32 by default. An epsilon below the smallest float16 (about 5.96e-8) added as a floor in
// code that computes in float16 (`.half()`, `dtype=float16`, float16 autocast). In TensorFlow.js,
// an epsilon below 1e-7 added to a value that goes under sqrt, log or a division, since WebGL
// backends on phones compute in float16.
// Why is this bad? float32's machine epsilon is about 1.19e-7: `1 - 1e-8` rounds to exactly 1.0,
// so `clamp(max=1 - 1e-8)` does not move a probability of 1.0 and log(1 - p) is still -inf.
// float16 cannot hold 1e-8 at all (its resolution near 1 is about 9.8e-4, its smallest value
// 5.96e-8): `x + 1e-8` is `x`, and a zero stays zero under sqrt, log and division.
// Use instead: the dtype's own epsilon: `torch.finfo(x.dtype).eps`, `np.finfo(x.dtype).eps`,
// `tf.keras.backend.epsilon()`, `tf.backend().epsilon()` in TensorFlow.js.
// Fix safety: unsafe. The floor or the bound moves (to 1.19e-7 in float32, 9.8e-4 in float16),
// which changes results slightly on inputs that reach it.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Library, Model } from '../engine/model';
import {
  calleeLastName,
  callParts,
  memberParts,
  numberValue,
  parentOf,
  unwrap,
} from '../engine/syntax';
import type { Fix, Rule, TextEdit, Visitor } from '../engine/types';
import { autocastPrecision, dtypePrecision, enclosingAutocast } from './dtypes';

/** Below 2^-25, `1 - eps` rounds to 1.0 in float32. */
const FLOAT32_HALF_ULP_BELOW_ONE = 2 ** -25;
/** The smallest positive float16 (a subnormal): anything smaller is no floor at all. */
const FLOAT16_SMALLEST = 2 ** -24;
/** TensorFlow.js's own float32 epsilon; a literal below it fails on float16 WebGL backends. */
const TFJS_EPSILON = 1e-7;

const FLOAT32_LIBRARIES: Library[] = ['torch', 'tensorflow', 'jax', 'tfjs'];
const UNDER_SINGULARITY = new Set(['sqrt', 'rsqrt', 'log', 'log2', 'log10', 'div', 'pow']);
const ELEMENTWISE = new Set(['sigmoid', 'softmax', 'exp', 'tanh', 'abs', 'sqrt']);

/** The calls this rule reads: tensor sums and differences, floors, and autocast. */
const RELEVANT_CALLS = new Set([
  'add',
  'sub',
  'subtract',
  'clamp',
  'clamp_',
  'clip',
  'clip_',
  'clamp_min',
  'clamp_min_',
  'clip_by_value',
  'clipByValue',
  'maximum',
  'autocast',
]);

/** Attribute names that can say the file computes in float16 or float32. */
const DTYPE_ATTRIBUTES = new Set(['float16', 'half', 'float32']);
const DTYPE_WORDS = /float16|half|float32/;

type Hazard = 'one-minus' | 'fp16-floor' | 'tfjs-floor';

interface Candidate {
  hazard: Hazard;
  /**
   * The node the finding points at: the literal when it is written in the scope that uses it,
   * otherwise the use (a module-level `EPS = 1e-8` is flagged in the float16 function that adds
   * it, not at its definition: the hazard, and the fix, are there).
   */
  node: Node;
  /** The expression that uses the epsilon: its function decides the working precision. */
  site: Node;
  /** The node the fix replaces with the dtype's epsilon. */
  replaced: Node;
  /** A tensor whose dtype the epsilon should follow, when one is at hand. */
  tensor: Node | null;
  library: Library;
}

export const epsilonBelowResolution: Rule = {
  meta: {
    code: 'NG603',
    name: 'epsilon-below-resolution',
    family: 'half-precision',
    severity: 'warning',
    dialects: ['python', 'ts'],
    fixSafety: 'unsafe',
    triggers: /e-|E-|\.0[0_]{3}/,
    summary: 'An epsilon is smaller than the working dtype can resolve, so it has no effect.',
    explanation:
      'float32 resolves about 1.19e-7 near 1, so 1 - 1e-8 is exactly 1.0 and a clamp to it does ' +
      'not keep log(1 - p) finite; float16 cannot hold 1e-8 at all (resolution ~9.8e-4 near 1, ' +
      "smallest value 5.96e-8), so x + 1e-8 is x. Use the dtype's own epsilon, " +
      'torch.finfo(x.dtype).eps or tf.backend().epsilon().',
  },
  create(context) {
    const { model } = context;
    const candidates: Candidate[] = [];
    /** Functions (and the module) whose own code says it computes in float16. */
    const halfScopes = new Set<number>();
    /**
     * Functions (and the module) that name NumPy's float32 or float16. NumPy computes in float64,
     * so only a function that converts to a low precision makes `1 - 1e-8` round to 1.0 there; a
     * float32 test elsewhere in the same file says nothing about this function's arithmetic.
     */
    const lowPrecisionNumpyScopes = new Set<number>();
    const visitor: Visitor = {
      binary: (node) => inspectArithmetic(node),
      call: (node) => {
        const name = calleeLastName(node);
        if (name === null || !RELEVANT_CALLS.has(name)) return;
        inspectArithmetic(node);
        inspectCall(node);
        if (name === 'autocast' && autocastPrecision(model, node) === 'half') noteHalf(node);
      },
      memberAccess: (node) => {
        const property = node.childForFieldName('attribute') ?? node.childForFieldName('property');
        if (!property || !DTYPE_ATTRIBUTES.has(property.text)) return;
        const precision = dtypePrecision(model, node);
        const qualified = model.qualifiedName(node);
        const isHalfCall =
          memberParts(node)?.property === 'half' && node.parent?.type === 'call' && !qualified;
        if (precision === 'half' || isHalfCall) noteHalf(node);
        const isNumpyLow = qualified === 'numpy.float32' || qualified === 'numpy.float16';
        if (isNumpyLow && !listsDtypes(node)) {
          lowPrecisionNumpyScopes.add(enclosingScope(node).id);
        }
      },
      end: () => {
        const seen = new Set<number>();
        for (const candidate of candidates) {
          if (!applies(candidate) || seen.has(candidate.node.id)) continue;
          seen.add(candidate.node.id);
          report(candidate);
        }
      },
    };
    // Only a dtype attribute counts, and a file that never spells one has none. Most files do
    // not, and then no attribute access (the commonest node the rule would see) is collected.
    if (!DTYPE_WORDS.test(model.text)) delete visitor.memberAccess;
    return visitor;

    function noteHalf(node: Node): void {
      halfScopes.add(enclosingScope(node).id);
    }

    /**
     * True when the function around `site` (or one enclosing it) computes in float16, or the
     * module does at its top level (`model = Net().half()` makes every forward float16).
     */
    function computesInHalf(site: Node): boolean {
      return inMarkedScope(site, halfScopes);
    }

    /** True when the function around `site`, or one enclosing it, is among `scopes`. */
    function inMarkedScope(site: Node, scopes: Set<number>): boolean {
      for (let scope: Node | null = enclosingScope(site); scope;) {
        if (scopes.has(scope.id)) return true;
        scope = scope.parent ? enclosingScope(scope) : null;
      }
      return false;
    }

    function applies(candidate: Candidate): boolean {
      switch (candidate.hazard) {
        case 'one-minus':
          return (
            FLOAT32_LIBRARIES.some((library) => model.libraries.has(library)) ||
            inMarkedScope(candidate.site, lowPrecisionNumpyScopes)
          );
        case 'fp16-floor':
          return computesInHalf(candidate.site);
        case 'tfjs-floor':
          return true;
      }
    }

    function inspectArithmetic(node: Node): void {
      const arithmetic = model.arithmetic(node);
      if (!arithmetic) return;
      if (arithmetic.operator === '-' && numberValue(arithmetic.left) === 1) {
        const tiny = numberValue(model.resolve(arithmetic.right));
        if (tiny !== null && tiny > 0 && tiny <= FLOAT32_HALF_ULP_BELOW_ONE) {
          candidates.push({
            hazard: 'one-minus',
            node: arithmetic.node,
            site: arithmetic.node,
            replaced: arithmetic.right,
            tensor: boundedTensor(arithmetic.node),
            library: libraryAt(arithmetic.node),
          });
        }
        return;
      }
      if (arithmetic.operator !== '+') return;
      for (const [operand, other] of [
        [arithmetic.left, arithmetic.right],
        [arithmetic.right, arithmetic.left],
      ]) {
        const literal = model.resolve(operand);
        const value = numberValue(literal);
        if (value === null || value <= 0 || numberValue(model.resolve(other)) !== null) continue;
        if (model.dialect === 'ts') {
          // Plain `a + b` on numbers is float64; only tensor arithmetic runs on the backend.
          const onTensors = arithmetic.node.type === 'call_expression';
          if (onTensors && value < TFJS_EPSILON && feedsSingularity(arithmetic.node)) {
            candidates.push({
              hazard: 'tfjs-floor',
              node: shownAt(literal, operand, arithmetic.node),
              site: arithmetic.node,
              replaced: literal,
              tensor: null,
              library: 'tfjs',
            });
          }
        } else if (value < FLOAT16_SMALLEST && !inBfloat16(arithmetic.node)) {
          candidates.push({
            hazard: 'fp16-floor',
            node: shownAt(literal, operand, arithmetic.node),
            site: arithmetic.node,
            replaced: operand,
            tensor: other,
            library: libraryAt(arithmetic.node),
          });
        }
      }
    }

    /** `clamp(p, min=1e-8)`, `torch.clamp(x, 1e-8)`, `maximum(x, 1e-8)`: tiny floors in fp16. */
    function inspectCall(node: Node): void {
      const operation = model.operation(node);
      if (!operation || !['clamp', 'clamp_min', 'maximum'].includes(operation.op)) return;
      const floor = operation.call.keywords.get('min') ?? operation.rest[0];
      if (!floor) return;
      const literal = model.resolve(floor);
      const value = numberValue(literal);
      if (value === null || value <= 0) return;
      if (model.dialect === 'ts') {
        // `tf.clipByValue(p, 1e-8, ...)` before a log: the floor is 0 on float16 backends.
        if (value >= TFJS_EPSILON || !feedsSingularity(node)) return;
        candidates.push({
          hazard: 'tfjs-floor',
          node: shownAt(literal, floor, node),
          site: node,
          replaced: literal,
          tensor: null,
          library: 'tfjs',
        });
        return;
      }
      if (value >= FLOAT16_SMALLEST || inBfloat16(node)) return;
      candidates.push({
        hazard: 'fp16-floor',
        node: shownAt(literal, floor, node),
        site: node,
        replaced: floor,
        tensor: operation.input,
        library: operation.library,
      });
    }

    function shownAt(literal: Node, use: Node, site: Node): Node {
      return model.scopeOf(literal).id === model.scopeOf(site).id ? literal : use;
    }

    function report(candidate: Candidate): void {
      context.report({
        node: candidate.node,
        message: messageFor(candidate.hazard),
        fixes: () => buildFixes(model, candidate),
      });
    }

    function libraryAt(node: Node): Library {
      const call = enclosingCall(node);
      const operation = call ? model.operation(call) : null;
      return operation?.library ?? model.tensorLibrary();
    }

    /** The tensor that `clamp(p, ..., max=1 - eps)` bounds, when the bound is its argument. */
    function boundedTensor(node: Node): Node | null {
      const call = enclosingCall(node);
      const operation = call ? model.operation(call) : null;
      if (!operation || !['clamp', 'clamp_max', 'minimum'].includes(operation.op)) return null;
      return operation.input;
    }

    /** True when a TensorFlow.js sum goes under sqrt, log or a division, through variables. */
    function feedsSingularity(sum: Node): boolean {
      const consumers = consumersOf(model, sum);
      return consumers.some((consumer) => {
        const operation = model.operation(consumer);
        if (operation && UNDER_SINGULARITY.has(operation.op)) return true;
        const arithmetic = model.arithmetic(consumer);
        return arithmetic?.operator === '/';
      });
    }

    function inBfloat16(node: Node): boolean {
      return enclosingAutocast(model, node)?.precision === 'other';
    }
  },
};

function messageFor(hazard: Hazard): string {
  switch (hazard) {
    case 'one-minus':
      return t(
        "1 minus an epsilon this small rounds to exactly 1.0 in float32 (machine epsilon ~1.19e-7), so the bound does not keep values below 1 and log(1 - p) can still be -inf. Use the dtype's epsilon, such as torch.finfo(x.dtype).eps.",
      );
    case 'fp16-floor':
      return t(
        "This epsilon is below the smallest float16 value (~5.96e-8; resolution near 1 is ~9.8e-4), so in float16 code it rounds to 0 and guards nothing. Use the dtype's epsilon, torch.finfo(x.dtype).eps.",
      );
    case 'tfjs-floor':
      return t(
        "This epsilon is below float16 resolution: on WebGL backends that compute in half precision it rounds to 0, and sqrt(0) / sqrt(0) or log(0) gives NaN. Use tf.backend().epsilon(), the backend's own epsilon.",
      );
  }
}

/**
 * True when a dtype is one element of a list, tuple or set literal (`(np.float32, np.float64)`):
 * code that enumerates the dtypes it tests, not arithmetic that converts to one of them.
 */
function listsDtypes(node: Node): boolean {
  let current = node;
  for (
    let up = parentOf(current);
    up?.type === 'parenthesized_expression';
    up = parentOf(current)
  ) {
    current = up;
  }
  return ['list', 'tuple', 'set', 'array'].includes(current.parent?.type ?? '');
}

/**
 * The scope whose precision a node speaks for: the function or class definition around it (a
 * decorator speaks for the definition it decorates), or the module. A class attribute such as
 * `dtype = torch.float16` marks the class, and so its methods, not the rest of the file.
 */
function enclosingScope(node: Node): Node {
  let current: Node = node;
  for (let up = parentOf(current); up; up = parentOf(current)) {
    if (current.type === 'decorator' && up.type === 'decorated_definition') {
      return up.childForFieldName('definition') ?? up;
    }
    current = up;
    if (current.type === 'function_definition' || current.type === 'class_definition') {
      return current;
    }
  }
  return current;
}

/** The call that has `node` among its arguments (directly or as a keyword value). */
function enclosingCall(node: Node): Node | null {
  let parent = node.parent;
  if (parent?.type === 'keyword_argument') parent = parent.parent;
  if (parent?.type !== 'argument_list' && parent?.type !== 'arguments') return null;
  return parent.parent;
}

/**
 * The expressions that use a value: the call or operation it is an argument or operand of and,
 * when it is assigned to a variable, every later reading of that variable's uses.
 */
function consumersOf(model: Model, node: Node, depth = 0): Node[] {
  if (depth > 4) return [];
  let current = node;
  for (
    let up = parentOf(current);
    up?.type === 'parenthesized_expression';
    up = parentOf(current)
  ) {
    current = up;
  }
  const parent = current.parent;
  if (!parent) return [];
  if (parent.type === 'arguments' || parent.type === 'argument_list') {
    const call = parent.parent;
    return call ? [call, ...consumersOf(model, call, depth + 1)] : [];
  }
  if (parent.type === 'variable_declarator' || parent.type === 'assignment') {
    const name = parent.childForFieldName('name') ?? parent.childForFieldName('left');
    if (name?.type !== 'identifier') return [];
    const scope = model.scopeOf(name);
    const uses = scope
      .descendantsOfType('identifier')
      .filter((use) => use && use.text === name.text && use.startIndex > name.endIndex);
    return uses.flatMap((use) => (use ? consumersOf(model, use, depth + 1) : []));
  }
  if (parent.type.startsWith('binary')) return [parent, ...consumersOf(model, parent, depth + 1)];
  return [];
}

function buildFixes(model: Model, candidate: Candidate): Fix[] {
  const epsilon = epsilonExpression(model, candidate);
  if (!epsilon) return [];
  return [
    {
      title: t("Use the dtype's own epsilon"),
      safe: false,
      edits: [model.replace(candidate.replaced, epsilon.text), ...epsilon.imports],
    },
  ];
}

function epsilonExpression(
  model: Model,
  candidate: Candidate,
): { text: string; imports: TextEdit[] } | null {
  const imports: TextEdit[] = [];
  const use = (qualified: string): string => {
    const reference = model.reference(qualified);
    if (reference.importEdit) imports.push(reference.importEdit);
    return reference.text;
  };
  const defaultDtype = candidate.hazard === 'fp16-floor' ? 'float16' : 'float32';
  const tensor = candidate.tensor ? dtypeCarrier(model, candidate.tensor) : null;
  switch (candidate.library) {
    case 'tfjs':
      return { text: `${use('tfjs.backend')}().epsilon()`, imports };
    case 'tensorflow':
      return { text: `${use('tensorflow.keras.backend.epsilon')}()`, imports };
    case 'torch':
    case 'numpy':
    case 'jax': {
      const module = { torch: 'torch', numpy: 'numpy', jax: 'jax.numpy' }[candidate.library];
      const dtype = tensor ? `${tensor}.dtype` : use(`${module}.${defaultDtype}`);
      return { text: `${use(`${module}.finfo`)}(${dtype}).eps`, imports };
    }
    default:
      return null;
  }
}

/**
 * A plain name whose dtype the epsilon can follow: the tensor itself, or the input of an
 * element-wise function of it (`torch.sigmoid(logits)` has the dtype of `logits`).
 */
function dtypeCarrier(model: Model, tensor: Node): string | null {
  const inner = unwrap(tensor);
  if (/^[A-Za-z_][\w.]*$/.test(inner.text) && numberValue(inner) === null) return inner.text;
  const operation = model.operation(inner);
  if (operation && ELEMENTWISE.has(operation.op) && operation.input) {
    const input = unwrap(operation.input);
    if (/^[A-Za-z_][\w.]*$/.test(input.text)) return input.text;
  }
  const call = callParts(inner);
  const member = call ? memberParts(call.callee) : null;
  return member && ELEMENTWISE.has(member.property) ? dtypeCarrier(model, member.object) : null;
}
