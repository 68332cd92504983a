// Prints the rule catalogue as the Markdown table the README carries, from the rules themselves:
// `npm run docs:table`. A test checks that the README's table matches this output.

import { allRules } from '../rules';

export function rulesTable(): string {
  const rows = allRules.map(({ meta }) => {
    const docs = `docs/rules/${meta.code}-${meta.name}.md`;
    return `| [${meta.code}](${docs}) | \`${meta.name}\` | ${meta.summary} | ${meta.fixSafety} |`;
  });
  return ['| code | name | what it flags | fix |', '|---|---|---|---|', ...rows].join('\n');
}

if (require.main === module) console.log(rulesTable());
