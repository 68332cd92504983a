// Hover on a flagged range: the rule, what is wrong here, why it fails (with the numbers) and
// a link to the rule's page.

import { MarkupKind, type Hover, type HoverParams } from 'vscode-languageserver';
import { ruleByCode } from '../rules';
import { t } from '../rules/engine/l10n';
import type { Finding } from '../rules/engine/types';
import { docsUri } from './diagnostics';
import { rangeContains } from './ranges';
import type { Session } from './session';

export function hover(session: Session, params: HoverParams): Hover | null {
  if (!session.settings.nanguard.enable) return null;
  const target = session.linter.current(params.textDocument.uri);
  if (!target) return null;
  const findings = target.findings.filter((finding) =>
    rangeContains(finding.range, params.position),
  );
  if (findings.length === 0) return null;
  return {
    contents: {
      kind: MarkupKind.Markdown,
      value: findings.map((finding) => describe(session, finding)).join('\n\n---\n\n'),
    },
    range: findings[0].range,
  };
}

function describe(session: Session, finding: Finding): string {
  const rule = ruleByCode(finding.code);
  const href = docsUri(finding.code, finding.name, session.displayLanguage);
  const parts = [
    `**${finding.code} ${finding.name}** (NaN Guard)`,
    escapeMarkdown(finding.message),
  ];
  if (rule) parts.push(escapeMarkdown(t(rule.meta.explanation)));
  parts.push(`[${t('Read the rule documentation')}](${href})`);
  return parts.join('\n\n');
}

/** Messages quote code such as `x * y`; stars and underscores must not turn into emphasis. */
function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]<>#|])/g, '\\$1');
}
