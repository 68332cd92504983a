// NG205 bce-on-sigmoid: binary cross-entropy computed from a sigmoid output.
//
// What it does: flags `nn.BCELoss()(torch.sigmoid(x), y)`, a BCELoss object kept in a variable or
// an attribute and called on a sigmoid output, `F.binary_cross_entropy(torch.sigmoid(x), y)`, and
// Keras `BinaryCrossentropy()` / `binary_crossentropy` with `from_logits=False` (the default) on
// a sigmoid output.
// Why is this bad? sigmoid rounds to exactly 1 above x ≈ 17 in float32 (x ≈ 37 in float64) and
// to 0 below x ≈ -103, so log(1 - p) or log(p) is log(0). PyTorch's BCELoss clamps the log at
// -100 and Keras clips p to [1e-7, 1 - 1e-7]: the loss is silently wrong, and the gradient
// through the saturated sigmoid is 0, so the example stops teaching.
// Use instead: the with-logits loss on the logits (`BCEWithLogitsLoss`,
// `F.binary_cross_entropy_with_logits`, Keras `from_logits=True`), which computes
// max(x, 0) - x * y + log(1 + exp(-|x|)) and is exact for every x.
// Fix safety: safe. The call site receives the logits and the with-logits loss; the result equals
// the original wherever the original's sigmoid did not saturate. A loss object kept in a variable
// becomes the functional with-logits call at that site, with the object's literal options.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import type { Model } from '../engine/model';
import { activationOf, type Activation } from './activations';
import { unwrap } from '../engine/syntax';
import type { Fix, Rule, TextEdit } from '../engine/types';
import { stableBetween } from '../engine/values';
import { fromLogits, lossCallAt, siblingName, type LossCall } from './loss-calls';

export const bceOnSigmoid: Rule = {
  meta: {
    code: 'NG205',
    name: 'bce-on-sigmoid',
    family: 'log-domain',
    severity: 'warning',
    dialects: ['python'],
    fixSafety: 'safe',
    triggers: /BCE|inary/,
    summary: 'Binary cross-entropy computed from a sigmoid output instead of from the logits.',
    explanation:
      'sigmoid rounds to exactly 1 above x ≈ 17 in float32, so the loss takes log(0); BCELoss ' +
      'clamps it at -100 and Keras clips p, so the loss is silently wrong and the gradient ' +
      'vanishes. Pass the logits to the with-logits loss.',
  },
  create(context) {
    const { model } = context;
    return {
      call(node: Node) {
        const loss = lossCallAt(model, node);
        if (!loss?.prediction || (loss.kind !== 'binary' && loss.kind !== 'keras-binary')) return;
        if (loss.kind === 'keras-binary' && fromLogits(loss).value) return;
        const sigmoid = activationOf(model, loss.prediction);
        if (sigmoid?.op !== 'sigmoid' || !sigmoid.input) return;

        context.report({
          node: loss.node,
          message:
            loss.kind === 'binary'
              ? t(
                  'BCE on a sigmoid output: sigmoid rounds to 1 above x ≈ 17 in float32, and BCELoss clamps the resulting log(0) at -100, so the loss is wrong and the gradient vanishes. Pass the logits to BCEWithLogitsLoss / binary_cross_entropy_with_logits.',
                )
              : t(
                  'Keras binary cross-entropy on a sigmoid output: probabilities are clipped to [1e-7, 1 - 1e-7], so saturated predictions give a wrong loss and no gradient. Pass the logits with from_logits=True.',
                ),
          related:
            unwrap(loss.prediction).id === sigmoid.node.id
              ? []
              : [{ node: sigmoid.node, message: t('The sigmoid is computed here.') }],
          fixes: () => buildFixes(model, loss, sigmoid),
        });
      },
    };
  },
};

function buildFixes(model: Model, loss: LossCall, sigmoid: Activation): Fix[] {
  if (!loss.prediction || !sigmoid.input) return [];
  if (!stableBetween(model, sigmoid.input, loss.node)) return [];
  const logits = model.source(sigmoid.input);
  const edits =
    loss.kind === 'binary' ? torchEdits(model, loss, logits) : kerasEdits(model, loss, logits);
  if (!edits) return [];
  return [{ title: t('Pass the logits to the with-logits loss'), safe: true, edits }];
}

function torchEdits(model: Model, loss: LossCall, logits: string): TextEdit[] | null {
  const prediction = loss.prediction;
  if (!prediction) return null;
  if (!loss.constructor) {
    const name = model.reference(
      siblingName(loss.qualified, 'binary_cross_entropy_with_logits'),
      'torch.nn.functional.binary_cross_entropy_with_logits',
    );
    return withImport(
      [model.replace(loss.call.callee, name.text), model.replace(prediction, logits)],
      name.importEdit,
    );
  }
  if (loss.inline) {
    const name = model.reference(siblingName(loss.qualified, 'BCEWithLogitsLoss'));
    return withImport(
      [model.replace(loss.constructor.callee, name.text), model.replace(prediction, logits)],
      name.importEdit,
    );
  }
  // A stored BCELoss may serve other call sites: rewrite this one to the functional form.
  const options = literalOptions(model, loss.constructor.args, loss.constructor.keywords);
  if (options === null || !loss.target) return null;
  const name = model.reference('torch.nn.functional.binary_cross_entropy_with_logits');
  const args = [logits, model.source(loss.target), ...options].join(', ');
  return withImport([model.replace(loss.node, `${name.text}(${args})`)], name.importEdit);
}

/** The options of a loss constructor as keywords, when all are literals (`reduction='sum'`). */
function literalOptions(
  model: Model,
  positional: Node[],
  keywords: Map<string, Node>,
): string[] | null {
  const literal = (node: Node): boolean =>
    /^(string|integer|float|none|true|false|number|null)$/.test(unwrap(node).type);
  const result: string[] = [];
  if (positional.length > 1 || !positional.every(literal)) return null;
  if (positional.length === 1) result.push(`weight=${model.source(positional[0])}`);
  for (const [name, value] of keywords) {
    if (!literal(value)) return null;
    result.push(`${name}=${model.source(value)}`);
  }
  return result;
}

function kerasEdits(model: Model, loss: LossCall, logits: string): TextEdit[] | null {
  if (!loss.prediction) return null;
  const edits = [model.replace(loss.prediction, logits)];
  const setting = fromLogits(loss);
  if (setting.node) {
    edits.push(model.replace(setting.node, 'True'));
    return edits;
  }
  // The keyword goes on the object (inline or used once) or on the function call.
  let owner = loss.constructor ? null : loss.call;
  if (loss.constructor && (loss.inline || callSitesOf(model, loss.call.callee) === 1)) {
    owner = loss.constructor;
  }
  if (!owner?.argumentList) return null;
  edits.push(appendKeyword(model, owner.argumentList, 'from_logits=True'));
  return edits;
}

/** How many calls in the file call the same callee text (`criterion(...)`). */
function callSitesOf(model: Model, callee: Node): number {
  return model.root
    .descendantsOfType('call')
    .filter((call) => call?.childForFieldName('function')?.text === callee.text).length;
}

/** An edit adding `keyword` at the end of an argument list. */
export function appendKeyword(model: Model, argumentList: Node, keyword: string): TextEdit {
  const closing = argumentList.endIndex - 1;
  const before = model.text.slice(argumentList.startIndex + 1, closing).trimEnd();
  const position = model.positionAt(argumentList.startIndex + 1 + before.length);
  const separator = before.length === 0 ? '' : before.endsWith(',') ? ' ' : ', ';
  return { range: { start: position, end: position }, newText: `${separator}${keyword}` };
}

function withImport(edits: TextEdit[], importEdit: TextEdit | null): TextEdit[] {
  return importEdit ? [...edits, importEdit] : edits;
}
