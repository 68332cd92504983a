// Reading the configuration arguments of constructors across the libraries: Python keywords
// (`lr=0.1`), positional arguments, and the options object of TensorFlow.js
// (`tf.layers.dense({ activation: 'tanh' })`).

import type { Node } from 'web-tree-sitter';
import type { CallParts } from '../engine/syntax';
import { unwrap } from '../engine/syntax';

/** A named option: a Python keyword or a property of a TensorFlow.js options object. */
export function option(call: CallParts, name: string): Node | null {
  const keyword = call.keywords.get(name);
  if (keyword) return keyword;
  for (const argument of call.args) {
    const inner = unwrap(argument);
    if (inner.type !== 'object') continue;
    for (const pair of inner.namedChildren) {
      if (pair?.type !== 'pair') continue;
      const key = pair.childForFieldName('key');
      const keyText = key?.type === 'string' ? key.text.slice(1, -1) : key?.text;
      if (keyText === name) return pair.childForFieldName('value');
    }
  }
  return null;
}

/** The last segment of a dotted name: `torch.optim.Adam` → `Adam`. */
export function lastSegment(qualified: string): string {
  return qualified.slice(qualified.lastIndexOf('.') + 1);
}
