// The steps of a hand-written training loop, read from the calls of one scope in source order:
// where gradients are computed (`loss.backward()`), clipped (`clip_grad_norm_`), unscaled
// (`scaler.unscale_(opt)`) and applied (`opt.step()`, `scaler.step(opt)`). NG801 and NG802 pair
// these events; the helpers that write their fixes (the parameters an optimizer updates, the
// placement of a line inside a block) live here too.

import type { Node } from 'web-tree-sitter';
import type { Model } from '../engine/model';
import type { TextEdit } from '../engine/types';
import {
  calleeLastName,
  callParts,
  type CallParts,
  enclosingStatement,
  memberParts,
  parentOf,
  unwrap,
} from '../engine/syntax';

export type StepKind = 'backward' | 'step' | 'clip' | 'unscale';

export interface GradientEvent {
  kind: StepKind;
  call: Node;
  /** For `step` and `unscale`: the optimizer expression (`opt`, `self.optimizer`). */
  optimizer: Node | null;
  /** For `step` and `unscale` through a GradScaler: the scaler expression. */
  scaler: Node | null;
}

/** The optimizers of `torch.optim`; a call to one of these builds an optimizer. */
const TORCH_OPTIMIZERS = new Set([
  'Adadelta',
  'Adafactor',
  'Adagrad',
  'Adam',
  'AdamW',
  'SparseAdam',
  'Adamax',
  'ASGD',
  'LBFGS',
  'NAdam',
  'RAdam',
  'RMSprop',
  'Rprop',
  'SGD',
]);

/** `opt`, `optimizer`, `g_optim`, `opt_d`, `optimizerG`, `discOptimizer`. */
const OPTIMIZER_NAMES = [
  /(^|_)(opt|optim|optimizer|optimiser)s?(_|\d|$)/i,
  /^(opt|optim|optimizer|optimiser)[A-Z]/,
  /[a-z](Opt|Optim|Optimizer|Optimiser)([A-Z_\d]|$)/,
];
const SCHEDULER_NAME = /sched|lr_|warmup/i;
const SCALER_NAME = /scaler/i;
const CLIP_NAME = /^clip_grads?(_norm|_value)?_?$|^clip_gradients?_?$|^clip_grads?_with_norm_$/;
/** Receivers whose `backward(loss)` belongs to a framework that clips by its own configuration. */
const FRAMEWORK_BACKWARD = /accelerator|fabric|engine|trainer|deepspeed/i;

/**
 * The last name of a call's callee (`step` in `self.opt.step()`), read without building the
 * argument list: rules use it to skip the many calls that cannot concern them.
 */
/**
 * True when a call shows that the file scales its loss: it builds a GradScaler (or FSDP's
 * ShardedGradScaler), or calls `scale` on something named like a scaler.
 */
export function isGradScalerCall(node: Node): boolean {
  const name = calleeLastName(node);
  if (name === 'GradScaler' || name === 'ShardedGradScaler') return true;
  return name === 'scale' && /scaler/i.test(node.text.slice(0, 40));
}

const EVENT_NAMES = new Set(['backward', 'step', 'unscale_']);

/** Classifies a call as one of the steps of a training loop, or null. */
export function gradientEvent(model: Model, node: Node): GradientEvent | null {
  const last = calleeLastName(node);
  if (!last || (!EVENT_NAMES.has(last) && !CLIP_NAME.test(last))) return null;
  const call = callParts(node);
  if (!call) return null;
  const qualified = model.qualifiedName(call.callee);
  const name = calleeName(call);
  if (!name) return null;

  if (name === 'backward') return backwardEvent(model, node, call, qualified);
  if (CLIP_NAME.test(name)) return { kind: 'clip', call: node, optimizer: null, scaler: null };
  const member = memberParts(call.callee);
  if (!member || qualified) return null;
  if (name === 'step') return stepEvent(model, node, call, member.object);
  if (name === 'unscale_' && call.args.length === 1 && isScaler(model, member.object)) {
    return { kind: 'unscale', call: node, optimizer: call.args[0], scaler: member.object };
  }
  return null;
}

function calleeName(call: CallParts): string | null {
  const callee = unwrap(call.callee);
  if (callee.type === 'identifier') return callee.text;
  return memberParts(callee)?.property ?? null;
}

function backwardEvent(
  model: Model,
  node: Node,
  call: CallParts,
  qualified: string | null,
): GradientEvent | null {
  if (qualified === 'torch.autograd.backward') {
    return { kind: 'backward', call: node, optimizer: null, scaler: null };
  }
  const member = memberParts(call.callee);
  if (!member || qualified) return null;
  // `loss.backward()` takes no tensor argument; `accelerator.backward(loss)` and
  // `model_engine.backward(loss)` are framework calls that clip by configuration.
  if (call.args.length > 0 || FRAMEWORK_BACKWARD.test(member.object.text)) return null;
  return { kind: 'backward', call: node, optimizer: null, scaler: null };
}

function stepEvent(
  model: Model,
  node: Node,
  call: CallParts,
  receiver: Node,
): GradientEvent | null {
  if (call.args.length === 1 && isScaler(model, receiver)) {
    return { kind: 'step', call: node, optimizer: call.args[0], scaler: receiver };
  }
  if (call.args.length > 0 && !call.keywords.has('closure')) {
    // `env.step(action)` and `optimizer.step(closure)` are not plain optimizer steps.
    return null;
  }
  if (!isOptimizer(model, receiver)) return null;
  return { kind: 'step', call: node, optimizer: receiver, scaler: null };
}

/** True when an expression holds a torch optimizer: built by `torch.optim.X` or named like one. */
export function isOptimizer(model: Model, expression: Node): boolean {
  const construction = constructionOf(model, expression);
  if (construction) {
    const qualified = model.qualifiedName(construction.callee);
    if (qualified?.startsWith('torch.optim.lr_scheduler')) return false;
    if (qualified?.startsWith('torch.optim.')) return true;
    const name = calleeName(construction);
    if (name && TORCH_OPTIMIZERS.has(name)) return true;
  }
  const text = lastName(expression);
  return OPTIMIZER_NAMES.some((pattern) => pattern.test(text)) && !SCHEDULER_NAME.test(text);
}

function isScaler(model: Model, expression: Node): boolean {
  const construction = constructionOf(model, expression);
  if (construction && calleeName(construction) === 'GradScaler') return true;
  return SCALER_NAME.test(lastName(expression));
}

function lastName(expression: Node): string {
  const inner = unwrap(expression);
  return memberParts(inner)?.property ?? inner.text;
}

/**
 * The call that built the object an expression names: `opt` → `torch.optim.Adam(...)` through
 * local variables, `self.optimizer` → the call assigned to it anywhere in the class.
 */
export function constructionOf(model: Model, expression: Node): CallParts | null {
  const value = valueOf(model, expression);
  return value ? callParts(value) : null;
}

/** The expression assigned to a name or to a `self.attribute`, or null when it is not known. */
export function valueOf(model: Model, expression: Node): Node | null {
  const inner = unwrap(expression);
  if (inner.type === 'identifier') {
    const value = model.resolve(inner);
    return value.id === inner.id ? null : value;
  }
  const member = memberParts(inner);
  if (member && member.object.text === 'self') return selfAttributeValue(inner);
  return null;
}

/** `self.name = value` anywhere in the enclosing class: the last such assignment. */
function selfAttributeValue(attribute: Node): Node | null {
  let owner: Node | null = parentOf(attribute);
  while (owner && owner.type !== 'class_definition') owner = parentOf(owner);
  if (!owner) return null;
  let found: Node | null = null;
  for (const assignment of owner.descendantsOfType('assignment')) {
    const left = assignment?.childForFieldName('left');
    if (left && left.text === attribute.text)
      found = assignment?.childForFieldName('right') ?? null;
  }
  return found;
}

/** Every training-step event of the file, grouped by the function (or module) that holds it. */
export class GradientTimeline {
  private readonly byScope = new Map<number, GradientEvent[]>();

  constructor(private readonly model: Model) {}

  add(node: Node): void {
    const event = gradientEvent(this.model, node);
    if (!event) return;
    const scope = functionScopeOf(this.model, node);
    const list = this.byScope.get(scope.id) ?? [];
    list.push(event);
    this.byScope.set(scope.id, list);
  }

  /** The events of each scope, in source order. */
  scopes(): GradientEvent[][] {
    return [...this.byScope.values()].map((events) =>
      [...events].sort((a, b) => a.call.startIndex - b.call.startIndex),
    );
  }
}

/** The function or module whose body runs the call; lambdas and comprehensions do not count. */
function functionScopeOf(model: Model, node: Node): Node {
  for (let current = parentOf(node); current; current = parentOf(current)) {
    if (
      current.type === 'function_definition' ||
      current.type === 'module' ||
      current.type === 'program'
    ) {
      return current;
    }
  }
  return model.root;
}

/** A backward paired with the optimizer step that applies its gradients. */
export interface TrainingStep {
  backward: GradientEvent;
  step: GradientEvent;
  /** Events strictly between the two, in source order. */
  between: GradientEvent[];
  /** Events after the step up to the next backward: a late clip shows up here. */
  after: GradientEvent[];
}

/**
 * Pairs each backward with the next optimizer step of its scope. When several backward calls
 * come before one step (accumulation written out), the last one is paired.
 */
export function trainingSteps(events: GradientEvent[]): TrainingStep[] {
  const steps: TrainingStep[] = [];
  for (let index = 0; index < events.length; index++) {
    if (events[index].kind !== 'backward') continue;
    const between: GradientEvent[] = [];
    for (let next = index + 1; next < events.length; next++) {
      const event = events[next];
      if (event.kind === 'backward') break;
      if (event.kind === 'step') {
        steps.push({ backward: events[index], step: event, between, after: until(events, next) });
        break;
      }
      between.push(event);
    }
  }
  return steps;
}

/**
 * True when a call between the backward and the step runs a function of this file that clips:
 * `apply_grad_clip(model)` or `self.clip(...)` whose body calls `clip_grad_norm_`.
 */
// FIXME: helpers imported from another module are not read; the step is reported.
export function clipsThroughHelper(model: Model, step: TrainingStep): boolean {
  const scope = functionScopeOf(model, step.step.call);
  const calls = scope.descendantsOfType(
    ['call'],
    step.backward.call.endPosition,
    step.step.call.startPosition,
  );
  return calls.some((call) => call !== null && helperClips(model, call, new Set(), 0));
}

function helperClips(model: Model, call: Node, visited: Set<number>, depth: number): boolean {
  const definition = localDefinition(model, call);
  if (!definition || visited.has(definition.id) || depth > 2) return false;
  visited.add(definition.id);
  const body = definition.childForFieldName('body');
  return (body?.descendantsOfType('call') ?? []).some((inner) => {
    if (!inner) return false;
    const name = calleeLastName(inner);
    if (name && CLIP_NAME.test(name)) return true;
    return helperClips(model, inner, visited, depth + 1);
  });
}

/** The `def` a call runs, for a plain name or a `self.method` of the enclosing class. */
function localDefinition(model: Model, call: Node): Node | null {
  const callee = call.childForFieldName('function');
  if (!callee) return null;
  if (callee.type === 'identifier') {
    const bindings = model.bindingsOf(callee.text, call);
    const definition = bindings.find(
      (binding) => binding.target.parent?.type === 'function_definition',
    );
    return definition?.target.parent ?? null;
  }
  const member = memberParts(callee);
  if (!member || member.object.text !== 'self') return null;
  let owner: Node | null = parentOf(call);
  while (owner && owner.type !== 'class_definition') owner = parentOf(owner);
  const methods = owner?.childForFieldName('body')?.namedChildren ?? [];
  for (const method of methods) {
    const definition =
      method?.type === 'decorated_definition' ? method.childForFieldName('definition') : method;
    if (
      definition?.type === 'function_definition' &&
      definition.childForFieldName('name')?.text === member.property
    ) {
      return definition;
    }
  }
  return null;
}

/** The events after `index` up to (not including) the next backward. */
function until(events: GradientEvent[], index: number): GradientEvent[] {
  const following: GradientEvent[] = [];
  for (let next = index + 1; next < events.length && events[next].kind !== 'backward'; next++) {
    following.push(events[next]);
  }
  return following;
}

// ---- Placing lines inside blocks ----

/** The statement that holds a call, when it starts its own line (so lines can go around it). */
export function ownLineStatement(model: Model, node: Node): Node | null {
  const statement = enclosingStatement(node);
  if (!parentOf(statement)) return null;
  return ownsItsLines(model, statement) ? statement : null;
}

/**
 * Nothing but indentation before a statement on its first line, and at most a `;` and a comment
 * after it on its last: `a(); b()` on one line cannot take a line between its statements. Read
 * from the text, which is cheaper than listing the statement's siblings.
 */
export function ownsItsLines(model: Model, statement: Node): boolean {
  const { text } = model;
  const lineStart = text.lastIndexOf('\n', statement.startIndex - 1) + 1;
  if (text.slice(lineStart, statement.startIndex).trim() !== '') return false;
  const lineEnd = text.indexOf('\n', statement.endIndex);
  const after = text.slice(statement.endIndex, lineEnd < 0 ? text.length : lineEnd);
  return /^[ \t]*;?[ \t]*((#|\/\/).*)?\r?$/.test(after);
}

/** The file's own line ending, so that inserted lines match a Windows file. */
export function lineEnding(model: Model): string {
  return model.text.includes('\r\n') ? '\r\n' : '\n';
}

/** An insertion of whole lines after a statement, at its indentation. */
export function linesAfter(model: Model, statement: Node, lines: string[]) {
  const indent = model.indentOf(statement);
  const eol = lineEnding(model);
  const text = lines.map((line) => `${indent}${line}`).join(eol);
  const row = statement.endPosition.row + 1;
  const atEnd = row >= model.lineCount || statement.endIndex === model.text.length;
  if (atEnd) {
    const position = model.positionAt(statement.endIndex);
    return { range: { start: position, end: position }, newText: `${eol}${text}` };
  }
  const position = { line: row, character: 0 };
  return { range: { start: position, end: position }, newText: `${text}${eol}` };
}

/** Deletes a statement's whole lines, including the line break after them. */
export function removeLines(model: Model, statement: Node): TextEdit {
  const start = { line: statement.startPosition.row, character: 0 };
  const lastRow = statement.endPosition.row;
  const end =
    lastRow + 1 < model.lineCount
      ? { line: lastRow + 1, character: 0 }
      : model.positionAt(model.text.length);
  return { range: { start, end }, newText: '' };
}

/** An insertion of whole lines before a statement, at its indentation. */
export function linesBefore(model: Model, statement: Node, lines: string[]) {
  const indent = model.indentOf(statement);
  const position = { line: statement.startPosition.row, character: 0 };
  const eol = lineEnding(model);
  const text = lines.map((line) => `${indent}${line}${eol}`).join('');
  return { range: { start: position, end: position }, newText: text };
}

// ---- The parameters an optimizer updates ----

/**
 * An expression for the parameters that `optimizer` updates, valid where `site` is: the
 * `model.parameters()` it was built from, the list variable it was given, or (when its
 * construction cannot be seen) its own parameter groups.
 */
export function parametersExpression(model: Model, optimizer: Node, site: Node): string {
  const fallback = `[p for group in ${model.source(optimizer)}.param_groups for p in group['params']]`;
  const construction = constructionOf(model, optimizer);
  if (!construction) return fallback;
  const argument = construction.args[0] ?? construction.keywords.get('params');
  if (!argument) return fallback;
  const inner = unwrap(argument);

  const value = inner.type === 'identifier' ? model.resolve(inner) : inner;
  if (value.type === 'list' || value.type === 'dictionary') {
    // Parameter groups (`[{'params': ...}, ...]`) are not a list of tensors.
    if (value.descendantsOfType('dictionary').length > 0 || value.type === 'dictionary') {
      return fallback;
    }
  }
  if (inner.type === 'identifier' && value.id !== inner.id && holdsList(value)) {
    return sameNameAt(model, inner, site) ? inner.text : fallback;
  }

  const receivers = new Set<string>();
  const roots: Node[] = [];
  for (const call of value.descendantsOfType('call').concat(value.type === 'call' ? [value] : [])) {
    if (!call) continue;
    const parts = callParts(call);
    const member = parts ? memberParts(parts.callee) : null;
    if (member?.property === 'parameters' && parts?.args.length === 0) {
      receivers.add(model.source(member.object));
      roots.push(rootIdentifier(member.object));
    }
  }
  if (receivers.size !== 1) return fallback;
  const root = roots[0];
  if (root.type !== 'identifier' || !sameNameAt(model, root, site)) return fallback;
  return `${[...receivers][0]}.parameters()`;
}

/** `list(...)`, `[...]` or a list comprehension: a value that can be iterated more than once. */
function holdsList(value: Node): boolean {
  if (value.type === 'list' || value.type === 'list_comprehension') return true;
  const call = callParts(value);
  return call !== null && ['list', 'tuple'].includes(call.callee.text);
}

function rootIdentifier(node: Node): Node {
  let current = unwrap(node);
  for (;;) {
    const member = memberParts(current);
    if (!member) return current;
    current = unwrap(member.object);
  }
}

/** True when `name` at `site` refers to the same variable as `identifier` does where it is. */
function sameNameAt(model: Model, identifier: Node, site: Node): boolean {
  if (identifier.text === 'self') {
    return enclosingClass(identifier)?.id === enclosingClass(site)?.id;
  }
  const here = model.bindingsOf(identifier.text, identifier);
  const there = model.bindingsOf(identifier.text, site);
  return here.length > 0 && here === there;
}

function enclosingClass(node: Node): Node | null {
  for (let current = parentOf(node); current; current = parentOf(current)) {
    if (current.type === 'class_definition') return current;
  }
  return null;
}
