// The places where code writes one constant into a tensor: `masked_fill(mask, value)`,
// `where(cond, x, value)`, `fill_(value)`, `full(shape, value)`, `x[mask] = value`. NG601 and
// NG602 read the constant and the tensor it lands in; the fix that writes the dtype's own
// extreme value is shared too.

import type { Node } from 'web-tree-sitter';
import type { Library, Model } from '../engine/model';
import {
  assignmentParts,
  calleeLastName,
  callParts,
  memberParts,
  typeOf,
  unwrap,
} from '../engine/syntax';
import type { TextEdit } from '../engine/types';

export interface FillSite {
  /** The call (or assignment) that writes the constant. */
  node: Node;
  /** The argument that holds the constant, as written at the call. */
  value: Node;
  /** The tensor the constant is written into or mixed with; its dtype decides. */
  tensor: Node | null;
  /** An explicit `dtype=` of the created tensor (`torch.full(..., dtype=torch.float16)`). */
  dtype: Node | null;
  library: Library;
}

const WHERE_FUNCTIONS = new Set([
  'torch.where',
  'numpy.where',
  'jax.numpy.where',
  'tensorflow.where',
  'tfjs.where',
]);

const FILL_NAMES = new Set([
  'masked_fill',
  'masked_fill_',
  'where',
  'fill',
  'fill_',
  'full',
  'new_full',
  'full_like',
]);

/** Every constant-fill that a call or a subscript assignment performs. */
export function fillSites(model: Model, node: Node): FillSite[] {
  if (typeOf(node) === 'assignment') return subscriptFill(model, node);
  const last = calleeLastName(node);
  if (!last || !FILL_NAMES.has(last)) return [];
  const call = callParts(node);
  if (!call) return [];
  const qualified = model.qualifiedName(call.callee);
  const member = memberParts(call.callee);
  const library = qualified
    ? (libraryRoot(qualified) ?? model.tensorLibrary())
    : model.tensorLibrary();
  const name = qualified ? qualified.slice(qualified.lastIndexOf('.') + 1) : member?.property;
  const receiver = !qualified && member ? member.object : null;
  const site = (value: Node | undefined, tensor: Node | null, dtype: Node | null = null) =>
    value ? [{ node, value, tensor, dtype, library }] : [];

  switch (name) {
    case 'masked_fill':
    case 'masked_fill_':
      if (receiver) return site(call.args[1] ?? call.keywords.get('value'), receiver);
      return site(call.args[2] ?? call.keywords.get('value'), call.args[0] ?? null);
    case 'where':
      if (receiver) return site(call.args[1] ?? call.keywords.get('other'), receiver);
      if (!qualified || !WHERE_FUNCTIONS.has(qualified) || call.args.length < 3) return [];
      return [...site(call.args[1], call.args[2]), ...site(call.args[2], call.args[1])];
    case 'fill_':
    case 'fill':
      if (qualified === 'tfjs.fill') return site(call.args[1], null);
      return receiver ? site(call.args[0] ?? call.keywords.get('value'), receiver) : [];
    case 'full':
    case 'new_full':
      return site(
        call.args[1] ?? call.keywords.get('fill_value'),
        receiver,
        call.keywords.get('dtype') ?? null,
      );
    case 'full_like':
      return site(
        call.args[1] ?? call.keywords.get('fill_value'),
        call.args[0] ?? null,
        call.keywords.get('dtype') ?? null,
      );
    default:
      return [];
  }
}

function libraryRoot(qualified: string): Library | null {
  if (qualified.startsWith('torch')) return 'torch';
  if (qualified.startsWith('numpy')) return 'numpy';
  if (qualified.startsWith('jax')) return 'jax';
  if (qualified.startsWith('tensorflow')) return 'tensorflow';
  return null;
}

/** `scores[mask] = -1e9`: the subscripted tensor receives the constant. */
function subscriptFill(model: Model, node: Node): FillSite[] {
  const parts = assignmentParts(node);
  if (!parts || typeOf(parts.left) !== 'subscript') return [];
  const { left, right } = parts;
  const tensor = left.childForFieldName('value');
  return tensor
    ? [{ node, value: right, tensor, dtype: null, library: model.tensorLibrary() }]
    : [];
}

const FINFO: Partial<Record<Library, string>> = {
  torch: 'torch.finfo',
  numpy: 'numpy.finfo',
  jax: 'jax.numpy.finfo',
};
const HALF_NAME: Partial<Record<Library, string>> = {
  torch: 'torch.float16',
  numpy: 'numpy.float16',
  jax: 'jax.numpy.float16',
  tensorflow: 'tensorflow.float16',
};

/**
 * The edits that write the most negative (or most positive) finite value of the tensor's dtype in
 * place of `site.value`: `torch.finfo(scores.dtype).min`, `np.finfo(x.dtype).min`,
 * `x.dtype.min` in TensorFlow. Null when no dtype can be named.
 */
export function finfoReplacement(
  model: Model,
  site: FillSite,
  negative: boolean,
  halfKnown: boolean,
): TextEdit[] | null {
  const bound = negative ? 'min' : 'max';
  const dtype = dtypeExpression(model, site, halfKnown);
  if (!dtype) return null;
  if (site.library === 'tensorflow') {
    return [model.replace(site.value, `${dtype.text}.${bound}`), ...dtype.imports];
  }
  const finfoName = FINFO[site.library];
  if (!finfoName) return null;
  const finfo = model.reference(finfoName);
  const imports = [...dtype.imports, ...(finfo.importEdit ? [finfo.importEdit] : [])];
  return [model.replace(site.value, `${finfo.text}(${dtype.text}).${bound}`), ...imports];
}

function dtypeExpression(
  model: Model,
  site: FillSite,
  halfKnown: boolean,
): { text: string; imports: TextEdit[] } | null {
  if (site.dtype) return { text: model.source(site.dtype), imports: [] };
  const tensor = site.tensor ? unwrap(site.tensor) : null;
  if (tensor && /^[A-Za-z_][\w.]*$/.test(model.source(tensor))) {
    return { text: `${model.source(tensor)}.dtype`, imports: [] };
  }
  const half = HALF_NAME[site.library];
  if (!halfKnown || !half) return null;
  const reference = model.reference(half);
  return { text: reference.text, imports: reference.importEdit ? [reference.importEdit] : [] };
}
