// Calls of library losses, whatever their spelling: the functional form (`F.nll_loss(p, y)`), a
// loss object called at once (`nn.BCELoss()(p, y)`), or one stored in a variable or an attribute
// (`criterion = nn.BCELoss()` then `criterion(p, y)`, `self.loss_fn = ...`). NG205 to NG208 read
// the prediction argument to see whether it is a probability where logits are expected, or the
// reverse.

import type { Node } from 'web-tree-sitter';
import type { Model } from '../engine/model';
import {
  calleeOf,
  callParts,
  memberParts,
  textOf,
  typeOf,
  unwrap,
  type CallParts,
} from '../engine/syntax';
import { attributeValue, constructorOf } from './objects';

export type LossKind =
  | 'binary'
  | 'binary-with-logits'
  | 'nll'
  | 'cross-entropy'
  | 'softmax-cross-entropy-with-logits'
  | 'keras-binary'
  | 'keras-categorical';

export interface LossCall {
  kind: LossKind;
  node: Node;
  call: CallParts;
  /** The canonical name of the function or the loss class. */
  qualified: string;
  /** The loss object's constructor call, for the object forms. */
  constructor: CallParts | null;
  constructorNode: Node | null;
  /** True when the constructor call is the callee itself: `nn.BCELoss()(p, y)`. */
  inline: boolean;
  prediction: Node | null;
  target: Node | null;
}

/** Loss functions and classes by the last segment of their canonical name. */
const TORCH_LOSSES: Record<string, LossKind> = {
  binary_cross_entropy: 'binary',
  BCELoss: 'binary',
  binary_cross_entropy_with_logits: 'binary-with-logits',
  BCEWithLogitsLoss: 'binary-with-logits',
  nll_loss: 'nll',
  NLLLoss: 'nll',
  cross_entropy: 'cross-entropy',
  CrossEntropyLoss: 'cross-entropy',
};

const KERAS_LOSSES: Record<string, LossKind> = {
  binary_crossentropy: 'keras-binary',
  BinaryCrossentropy: 'keras-binary',
  binary_focal_crossentropy: 'keras-binary',
  BinaryFocalCrossentropy: 'keras-binary',
  categorical_crossentropy: 'keras-categorical',
  CategoricalCrossentropy: 'keras-categorical',
  sparse_categorical_crossentropy: 'keras-categorical',
  SparseCategoricalCrossentropy: 'keras-categorical',
};

function kindOf(qualified: string): LossKind | null {
  const last = qualified.slice(qualified.lastIndexOf('.') + 1);
  if (qualified.startsWith('torch.')) return TORCH_LOSSES[last] ?? null;
  // TensorFlow.js: `tf.losses.softmaxCrossEntropy(onehotLabels, logits)` takes logits.
  if (qualified === 'tfjs.losses.softmaxCrossEntropy') return 'softmax-cross-entropy-with-logits';
  if (/^(tensorflow|keras|tf_keras)\./.test(qualified)) {
    if (
      last === 'softmax_cross_entropy_with_logits' ||
      last === 'softmax_cross_entropy_with_logits_v2'
    ) {
      return 'softmax-cross-entropy-with-logits';
    }
    return KERAS_LOSSES[last] ?? null;
  }
  return null;
}

function argument(call: CallParts, index: number, ...names: string[]): Node | null {
  for (const name of names) {
    const value = call.keywords.get(name);
    if (value) return value;
  }
  return call.args[index] ?? null;
}

/** Several rules read the same calls; the reading is kept per model and node. */
const lossCache = new WeakMap<Model, Map<number, LossCall | null>>();

/** Reads a call as a library loss, or returns null. */
export function lossCallAt(model: Model, node: Node): LossCall | null {
  let cache = lossCache.get(model);
  if (!cache) {
    cache = new Map();
    lossCache.set(model, cache);
  }
  const cached = cache.get(node.id);
  if (cached !== undefined) return cached;
  const loss = readLossCall(model, node);
  cache.set(node.id, loss);
  return loss;
}

/** Every loss name contains one of these; a file that mentions none of them calls no loss. */
const LOSS_WORDS = /BCE|NLL|nll_loss|cross_?entropy|Crossentropy|CrossEntropy|crossentropy/;
const mentionsLoss = new WeakMap<Model, boolean>();

function fileMentionsLoss(model: Model): boolean {
  let mentions = mentionsLoss.get(model);
  if (mentions === undefined) {
    mentions = LOSS_WORDS.test(model.text);
    mentionsLoss.set(model, mentions);
  }
  return mentions;
}

/** The last names of every loss function and class above. */
const LOSS_NAMES = new Set([
  ...Object.keys(TORCH_LOSSES),
  ...Object.keys(KERAS_LOSSES),
  'softmaxCrossEntropy',
  'softmax_cross_entropy_with_logits',
  'softmax_cross_entropy_with_logits_v2',
]);

/**
 * A first look from the callee alone: a loss is called by its own name, through a name imported
 * under another, or through a value that may hold a loss object (a variable, an attribute set in
 * the file, a constructor called at once). `print(x)` and `self.linear(x)` stop here.
 */
function mightCallLoss(model: Model, node: Node): boolean {
  const callee = calleeOf(node);
  if (!callee) return false;
  const inner = unwrap(callee);
  if (typeOf(inner) === 'identifier') {
    if (LOSS_NAMES.has(textOf(inner))) return true;
    return model.qualifiedName(inner) !== null || model.bindingAt(inner) !== null;
  }
  const member = memberParts(inner);
  if (member) {
    return LOSS_NAMES.has(member.property) || attributeValue(model, textOf(inner)) !== null;
  }
  return true;
}

function readLossCall(model: Model, node: Node): LossCall | null {
  if (!fileMentionsLoss(model) || !mightCallLoss(model, node)) return null;
  const call = callParts(node);
  if (!call) return null;
  let qualified = model.qualifiedName(call.callee);
  let constructor: CallParts | null = null;
  let constructorNode: Node | null = null;
  let inline = false;
  if (!qualified || !kindOf(qualified)) {
    const found = constructorOf(model, call.callee);
    const parts = found ? callParts(found.node) : null;
    if (!found || !parts) return null;
    qualified = model.qualifiedName(parts.callee);
    constructor = parts;
    constructorNode = found.node;
    inline = found.inline;
  }
  const kind = qualified ? kindOf(qualified) : null;
  if (!qualified || !kind) return null;
  // Functions and classes of the same name differ in case only: classes need a constructor.
  const isClass = /\.[A-Z][^.]*$/.test(qualified);
  if (isClass !== (constructor !== null)) return null;

  const keras = kind.startsWith('keras');
  let prediction: Node | null;
  let target: Node | null;
  if (kind === 'softmax-cross-entropy-with-logits') {
    prediction = argument(call, 1, 'logits');
    target = argument(call, 0, 'labels');
  } else if (keras) {
    prediction = argument(call, 1, 'y_pred', 'output');
    target = argument(call, 0, 'y_true', 'target');
  } else {
    prediction = argument(call, 0, 'input');
    target = argument(call, 1, 'target');
  }
  return {
    kind,
    node,
    call,
    qualified,
    constructor,
    constructorNode,
    inline,
    prediction,
    target,
  };
}

/** The `from_logits` setting of a Keras loss: its keyword on the call or the constructor. */
export function fromLogits(loss: LossCall): { value: boolean; node: Node | null } {
  const keyword =
    loss.constructor?.keywords.get('from_logits') ?? loss.call.keywords.get('from_logits');
  if (!keyword) return { value: false, node: null };
  return { value: /^(True|true)$/.test(unwrap(keyword).text), node: keyword };
}

/** The sibling of a canonical name: `torch.nn.BCELoss` → `torch.nn.BCEWithLogitsLoss`. */
export function siblingName(qualified: string, name: string): string {
  return `${qualified.slice(0, qualified.lastIndexOf('.'))}.${name}`;
}
