// Where gradients flow. The sqrt and pow rules matter only on a differentiable path: in a file that
// uses PyTorch, JAX or TensorFlow, outside `torch.no_grad()` and `torch.inference_mode()`.

import type { Node } from 'web-tree-sitter';
import type { Library, Model, Operation } from '../engine/model';
import { callParts, parentOf } from '../engine/syntax';
import { AUTODIFF_LIBRARIES, operandText } from '../precision/expressions';

const GRADIENT_FREE = new Set(['torch.no_grad', 'torch.inference_mode', 'torch.autograd.no_grad']);

/** True when the operation belongs to an autodiff library and no enclosing block turns it off. */
export function onDifferentiablePath(model: Model, operation: Operation): boolean {
  if (!AUTODIFF_LIBRARIES.has(operation.library)) return false;
  return !insideGradientFreeBlock(model, operation.node);
}

/** The same question for an operator (`a ** b`), judged by the tensor library the file uses. */
export function operatorOnDifferentiablePath(model: Model, node: Node): boolean {
  if (!AUTODIFF_LIBRARIES.has(model.tensorLibrary())) return false;
  return !insideGradientFreeBlock(model, node);
}

function insideGradientFreeBlock(model: Model, node: Node): boolean {
  for (let current = parentOf(node); current; current = parentOf(current)) {
    if (current.type !== 'with_statement') continue;
    for (const item of current.descendantsOfType('with_item')) {
      const value = item?.childForFieldName('value');
      const call = value ? callParts(value) : null;
      const name = call ? model.qualifiedName(call.callee) : null;
      if (name && GRADIENT_FREE.has(name)) return true;
    }
  }
  return false;
}

/** The library functions that floor a value from below, by library. */
export function floorText(
  model: Model,
  library: Library,
  value: Node,
  floor: string,
): {
  text: string;
  importEdit: ReturnType<Model['reference']>['importEdit'];
} {
  const source = model.source(value);
  if (library === 'torch') {
    return { text: `${operandText(model, value)}.clamp(min=${floor})`, importEdit: null };
  }
  const name = library === 'jax' ? 'jax.numpy.maximum' : 'tensorflow.maximum';
  const reference = model.reference(name);
  return { text: `${reference.text}(${source}, ${floor})`, importEdit: reference.importEdit };
}
