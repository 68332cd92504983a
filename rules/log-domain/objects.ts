// Objects that are called like functions: a loss or an activation module built by a constructor
// and called at once (`nn.Softmax(dim=1)(x)`), through a variable (`criterion = nn.BCELoss()`),
// or through an attribute set elsewhere in the file (`self.softmax = nn.Softmax(dim=-1)`).

import type { Node } from 'web-tree-sitter';
import type { Model } from '../engine/model';
import { callParts, memberParts, unwrap } from '../engine/syntax';

const attributeCache = new WeakMap<Model, Map<string, Node | null>>();

/** The value assigned to an attribute in the file (`self.criterion = nn.BCELoss()`), by its text. */
export function attributeValue(model: Model, target: string): Node | null {
  let values = attributeCache.get(model);
  if (!values) {
    values = new Map();
    for (const assignment of model.attributeAssignments) {
      const left = assignment.target.text;
      // Two different values for one attribute leave it unknown.
      const previous = values.get(left);
      const right = assignment.value;
      values.set(left, previous === undefined || previous?.text === right.text ? right : null);
    }
    attributeCache.set(model, values);
  }
  return values.get(target) ?? null;
}

/** The constructor call behind a loss object: inline, through a variable or an attribute. */
export function constructorOf(model: Model, callee: Node): { node: Node; inline: boolean } | null {
  const inner = unwrap(callee);
  if (callParts(inner)) return { node: inner, inline: true };
  const resolved = model.resolve(inner);
  if (resolved.id !== inner.id && callParts(resolved)) return { node: resolved, inline: false };
  if (memberParts(inner)) {
    const value = attributeValue(model, inner.text);
    if (value && callParts(unwrap(value))) return { node: unwrap(value), inline: false };
  }
  return null;
}
