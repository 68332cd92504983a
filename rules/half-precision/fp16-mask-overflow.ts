// NG601 fp16-mask-overflow: a mask constant such as -1e9 written into a float16 tensor.
//
// What it does: flags `masked_fill`, `where`, `fill_`, `full` and `x[mask] = value` writing a
// constant whose magnitude exceeds 65504 into a tensor that the code makes float16 (`.half()`,
// `dtype=torch.float16`, `.astype(np.float16)`, `tf.cast(x, tf.float16)`, a float16 `autocast`
// region, a Keras `mixed_float16` policy for TensorFlow code). Where the dtype cannot be known
// the rule stays silent.
// Why is this bad? float16 holds at most 65504. PyTorch refuses the fill ("value cannot be
// converted to type at::Half without overflow"); NumPy and `torch.where` round it to -inf, and a
// softmax over a row that is masked entirely then computes -inf - (-inf) = NaN.
// Use instead: `torch.finfo(x.dtype).min` (`np.finfo`, `jnp.finfo`, `x.dtype.min` in
// TensorFlow): the most negative finite value of whatever dtype the tensor has.
// Fix safety: safe. exp of the dtype's minimum minus a row's maximum is 0, exactly as for -1e9
// in float32, so every row keeps its result; in float16 the code now runs instead of failing.

import type { Node } from 'web-tree-sitter';
import { t } from '../engine/l10n';
import { numberValue } from '../engine/syntax';
import type { Rule } from '../engine/types';
import { HALF_PRECISION_WORDS, isMixedFloat16Policy, precisionAt } from './dtypes';
import { fillSites, finfoReplacement, type FillSite } from './mask-fills';

const FLOAT16_MAX = 65504;

export const fp16MaskOverflow: Rule = {
  meta: {
    code: 'NG601',
    name: 'fp16-mask-overflow',
    family: 'half-precision',
    severity: 'error',
    dialects: ['python'],
    fixSafety: 'safe',
    triggers: HALF_PRECISION_WORDS,
    fileWide: /mixed_float16/,
    summary:
      'A mask constant larger than float16 can hold (65504) is written into a float16 tensor.',
    explanation:
      'float16 holds at most 65504: PyTorch refuses to fill -1e9 into a half tensor, and NumPy or ' +
      'torch.where round it to -inf, so a fully masked softmax row becomes NaN. Use ' +
      "torch.finfo(x.dtype).min, the most negative finite value of the tensor's own dtype.",
  },
  create(context) {
    const { model } = context;
    const overflowing: { site: FillSite; negative: boolean }[] = [];
    let mixedFloat16Policy = false;
    return {
      call: (node) => {
        collect(node);
        if (isMixedFloat16Policy(model, node)) mixedFloat16Policy = true;
      },
      assignment: (node) => collect(node),
      // Decided at the end: a Keras policy set at the bottom of the file still covers the layers.
      end: () => {
        for (const { site, negative } of overflowing) {
          const precision = site.dtype
            ? precisionAt(model, site.node, site.node)
            : precisionAt(model, site.tensor, site.node);
          const underPolicy = mixedFloat16Policy && site.library === 'tensorflow';
          if (precision === 'half' || (precision === null && underPolicy)) report(site, negative);
        }
      },
    };

    function collect(node: Node): void {
      for (const site of fillSites(model, node)) {
        const constant = numberValue(model.resolve(site.value));
        if (constant === null || Math.abs(constant) <= FLOAT16_MAX) continue;
        overflowing.push({ site, negative: constant < 0 });
      }
    }

    function report(site: FillSite, negative: boolean): void {
      context.report({
        node: site.value,
        message: t(
          'The mask value {0} does not fit in float16 (max 65504): the fill fails or becomes inf, and a fully masked softmax row turns NaN. Use torch.finfo(x.dtype).min.',
          model.source(model.resolve(site.value)),
        ),
        fixes: () => {
          const edits = finfoReplacement(model, site, negative, true);
          if (!edits) return [];
          const title = negative
            ? t("Use the dtype's finfo().min")
            : t("Use the dtype's finfo().max");
          return [{ title, safe: true, edits }];
        },
      });
    }
  },
};
