// Softmax and sigmoid outputs, in every form the rules meet them: a function (`F.softmax(z, 1)`),
// a method (`z.sigmoid()`), or a module called on the logits (`nn.Softmax(dim=1)(z)`,
// `self.softmax(z)` with `self.softmax = nn.Softmax(dim=1)`, a Keras `Softmax` layer).

import type { Node } from 'web-tree-sitter';
import type { Library, Model, Operation } from '../engine/model';
import { callParts, memberParts, stringValue, type CallParts } from '../engine/syntax';
import { axisArgument } from '../engine/values';
import { constructorOf } from './objects';

export interface Activation {
  op: 'softmax' | 'sigmoid';
  library: Library;
  /** The call that produces the probabilities. */
  node: Node;
  /** The logits. */
  input: Node | null;
  /** The softmax's explicit axis, or null for its default. */
  axis: Node | null;
  /** The function or method form, when it is one. */
  operation: Operation | null;
  /** The module form's constructor call, when it is one. */
  module: CallParts | null;
}

/** The softmax or sigmoid that produces `node`'s value, looking through local variables. */
export function activationOf(model: Model, node: Node): Activation | null {
  const value = model.resolve(node);
  const operation = model.operation(value);
  if (operation?.op === 'softmax' || operation?.op === 'sigmoid') {
    return {
      op: operation.op,
      library: operation.library,
      node: operation.node,
      input: operation.input,
      axis: operation.op === 'softmax' ? axisArgument(operation) : null,
      operation,
      module: null,
    };
  }
  return moduleActivation(model, value);
}

function moduleActivation(model: Model, value: Node): Activation | null {
  const call = callParts(value);
  const found = call ? constructorOf(model, call.callee) : null;
  const module = found ? callParts(found.node) : null;
  if (!call || !module) return null;
  const qualified = model.qualifiedName(module.callee) ?? '';
  const kind = qualified.slice(qualified.lastIndexOf('.') + 1);
  const input = call.args[0] ?? null;
  if (/^torch\.nn\./.test(qualified) && (kind === 'Softmax' || kind === 'Sigmoid')) {
    const axis = kind === 'Softmax' ? (module.keywords.get('dim') ?? module.args[0] ?? null) : null;
    const op = kind === 'Softmax' ? 'softmax' : 'sigmoid';
    return { op, library: 'torch', node: value, input, axis, operation: null, module };
  }
  if (!/^(tensorflow|keras|tf_keras)\./.test(qualified)) return null;
  if (kind === 'Softmax') {
    const axis = module.keywords.get('axis') ?? module.args[0] ?? null;
    return {
      op: 'softmax',
      library: 'tensorflow',
      node: value,
      input,
      axis,
      operation: null,
      module,
    };
  }
  const named = kind === 'Activation' && module.args[0] ? stringValue(module.args[0]) : null;
  if (named === 'softmax' || named === 'sigmoid') {
    return {
      op: named,
      library: 'tensorflow',
      node: value,
      input,
      axis: null,
      operation: null,
      module,
    };
  }
  return null;
}

/** The node whose names must not change between the activation and a fix that moves its input. */
export function activationReads(activation: Activation): Node {
  return activation.operation?.call.argumentList ?? activation.input ?? activation.node;
}

/** Selections that commute with a log: `p[i, y]`, `p.gather(1, y)`, `p.index_select(0, i)`. */
const SELECTING_METHODS = new Set(['gather', 'index_select', 'take_along_dim', 'take_along_axis']);

export interface SelectedActivation {
  activation: Activation;
  /** The selection's text after the activation (`[range(n), y]`, `.gather(1, y)`), or ''. */
  selection: string;
}

/**
 * The activation behind a value, also when the value selects entries of it: `log(probs[i, y])`
 * is `log_softmax(...)[i, y]`.
 */
export function selectedActivationOf(model: Model, node: Node): SelectedActivation | null {
  const direct = activationOf(model, node);
  if (direct) return { activation: direct, selection: '' };
  const value = model.resolve(node);
  let selected: Node | null = null;
  if (value.type === 'subscript' || value.type === 'subscript_expression') {
    selected = value.childForFieldName('value') ?? value.childForFieldName('object');
  } else {
    const call = callParts(value);
    const member = call ? memberParts(call.callee) : null;
    if (member && SELECTING_METHODS.has(member.property)) selected = member.object;
  }
  if (!selected) return null;
  const activation = activationOf(model, selected);
  if (!activation) return null;
  return { activation, selection: model.text.slice(selected.endIndex, value.endIndex) };
}
