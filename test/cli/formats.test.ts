// The four output formats of `nanguard check`, the rule list, and the Japanese output.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import {
  CLEAN_SOURCE,
  NAIVE_SOFTMAX,
  PROJECT_ROOT,
  findingLines,
  makeProject,
  removeProject,
  runCli,
} from './support';

/** The OASIS SARIF 2.1.0 schema (its final "rtm.5" text), as Microsoft's SARIF tooling ships it. */
const SARIF_SCHEMA = path.join(
  PROJECT_ROOT,
  'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json',
);

/**
 * The schema's `language` pattern has a stray `]` that is an error in a Unicode regular
 * expression, so patterns are compiled the way JSON Schema draft 4 validators of its time did.
 */
function sarifValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(fs.readFileSync(SARIF_SCHEMA, 'utf8')));
}

describe('output formats', () => {
  let root: string;
  before(() => {
    root = makeProject({
      'src/model.py': NAIVE_SOFTMAX,
      'src/clean.py': CLEAN_SOURCE,
      'src/with space.py': NAIVE_SOFTMAX,
    });
  });
  after(() => removeProject(root));

  test('text: path:line:col: CODE message, paths relative to the working folder', () => {
    const run = runCli(['check', 'src'], root);
    assert.equal(run.status, 1);
    assert.deepEqual(findingLines(run.stdout), [
      'src/model.py:4:12: NG101',
      'src/with space.py:4:12: NG101',
    ]);
    assert.match(run.stdout, /NG101 exp\(\) of unshifted values/);
    assert.match(run.stderr, /^Found 2 problems in 2 files \(2 fixable with --fix\)\.$/m);
  });

  test('text from inside a subfolder shows paths relative to it', () => {
    const run = runCli(['check', '.'], path.join(root, 'src'));
    assert.deepEqual(findingLines(run.stdout), [
      'model.py:4:12: NG101',
      'with space.py:4:12: NG101',
    ]);
  });

  test('json: one object per finding with the preferred fix', () => {
    const run = runCli(['check', 'src/model.py', '--format', 'json'], root);
    assert.equal(run.status, 1);
    const findings = JSON.parse(run.stdout);
    assert.equal(findings.length, 1);
    const [finding] = findings;
    assert.deepEqual(Object.keys(finding).sort(), [
      'code',
      'column',
      'endColumn',
      'endLine',
      'fix',
      'line',
      'message',
      'name',
      'path',
      'severity',
    ]);
    assert.equal(finding.path, 'src/model.py');
    assert.equal(finding.code, 'NG101');
    assert.equal(finding.name, 'naive-softmax');
    assert.equal(finding.severity, 'warning');
    assert.deepEqual(
      [finding.line, finding.column, finding.endLine, finding.endColumn],
      [4, 12, 4, 21],
    );
    assert.equal(finding.fix.safe, true);
    assert.ok(finding.fix.edits.length >= 1);
    for (const edit of finding.fix.edits) {
      assert.deepEqual(Object.keys(edit).sort(), [
        'column',
        'endColumn',
        'endLine',
        'line',
        'newText',
      ]);
    }
    assert.ok(
      finding.fix.edits.some((edit: { newText: string }) => edit.newText.includes('softmax(x)')),
    );
  });

  test('json: an empty array when nothing is found', () => {
    const run = runCli(['check', 'src/clean.py', '--format', 'json'], root);
    assert.equal(run.status, 0);
    assert.deepEqual(JSON.parse(run.stdout), []);
  });

  test('github: workflow commands with the rule as title', () => {
    const run = runCli(['check', 'src/model.py', '--format', 'github'], root);
    assert.equal(run.status, 1);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^::warning file=src\/model\.py,line=4,col=12,endLine=4,endColumn=21,title=NG101 naive-softmax::exp\(\) of unshifted/,
    );
  });

  test('github: error severity from the project configuration', () => {
    const project = makeProject({
      'a.py': NAIVE_SOFTMAX,
      'nanguard.toml': '[severity]\nexp-overflow = "error"\n',
    });
    try {
      const run = runCli(['check', '--format', 'github'], project);
      assert.match(run.stdout, /^::error file=a\.py,/);
    } finally {
      removeProject(project);
    }
  });

  test('sarif: valid against the SARIF 2.1.0 schema, with rules, results and fixes', () => {
    const run = runCli(['check', 'src', '--format', 'sarif'], root);
    assert.equal(run.status, 1);
    const log = JSON.parse(run.stdout);

    const validate = sarifValidator();
    assert.ok(validate(JSON.parse(run.stdout)), JSON.stringify(validate.errors, null, 2));

    assert.equal(log.version, '2.1.0');
    const [sarifRun] = log.runs;
    const { driver } = sarifRun.tool;
    const packageJson = JSON.parse(
      fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'),
    );
    assert.equal(driver.name, 'NaN Guard');
    assert.equal(driver.version, packageJson.version);
    const rule = driver.rules.find((candidate: { id: string }) => candidate.id === 'NG101');
    assert.equal(rule.name, 'naive-softmax');
    assert.ok(rule.shortDescription.text.length > 0);
    assert.ok(rule.fullDescription.text.length > 0);
    assert.ok(rule.help.text.length > 0 && rule.help.markdown.length > 0);
    assert.equal(rule.defaultConfiguration.level, 'warning');
    const docsPage = path.join(PROJECT_ROOT, 'docs/rules/NG101-naive-softmax.md');
    if (fs.existsSync(docsPage))
      assert.equal(rule.help.markdown, fs.readFileSync(docsPage, 'utf8'));

    assert.equal(sarifRun.results.length, 2);
    const [result] = sarifRun.results;
    assert.equal(result.ruleId, 'NG101');
    assert.equal(driver.rules[result.ruleIndex].id, 'NG101');
    assert.equal(result.level, 'warning');
    const location = result.locations[0].physicalLocation;
    assert.equal(location.artifactLocation.uri, 'src/model.py');
    assert.deepEqual(location.region, { startLine: 4, startColumn: 12, endLine: 4, endColumn: 21 });
    assert.equal(result.relatedLocations.length, 1);
    assert.equal(result.fixes[0].artifactChanges[0].artifactLocation.uri, 'src/model.py');
    assert.ok(result.fixes[0].artifactChanges[0].replacements.length >= 1);
    assert.equal(
      sarifRun.results[1].locations[0].physicalLocation.artifactLocation.uri,
      'src/with%20space.py',
    );
  });

  test('sarif: the schema check rejects a log that breaks the specification', () => {
    const validate = sarifValidator();
    const broken = {
      version: '2.1.0',
      runs: [{ tool: { driver: { name: 'NaN Guard' } }, results: [{ ruleId: 'NG101' }] }],
    };
    assert.equal(validate(broken), false, 'a result without a message is invalid');
  });

  test('sarif: skipped files are tool notifications, and the log stays valid', () => {
    const project = makeProject({ 'a.py': NAIVE_SOFTMAX, 'b.py': Buffer.from([0x61, 0, 0x62]) });
    try {
      const run = runCli(['check', '--format', 'sarif'], project);
      const log = JSON.parse(run.stdout);
      const validate = sarifValidator();
      assert.ok(validate(JSON.parse(run.stdout)), JSON.stringify(validate.errors, null, 2));
      const notes = log.runs[0].invocations[0].toolExecutionNotifications;
      assert.equal(notes.length, 1);
      assert.equal(notes[0].locations[0].physicalLocation.artifactLocation.uri, 'b.py');
    } finally {
      removeProject(project);
    }
  });

  test('--statistics counts findings per rule', () => {
    const run = runCli(['check', 'src', '--statistics'], root);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '2  NG101  [*] naive-softmax\n');
    const json = runCli(['check', 'src', '--statistics', '--format', 'json'], root);
    assert.deepEqual(JSON.parse(json.stdout), [
      { code: 'NG101', name: 'naive-softmax', count: 2, fixable: 2 },
    ]);
  });

  test('--lang ja prints Japanese messages and summary', () => {
    const run = runCli(['check', 'src/model.py', '--lang', 'ja'], root);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /src\/model\.py:4:12: NG101 最大値を引いていない値の exp\(\)/);
    assert.match(run.stderr, /1 個のファイルで 1 件の問題が見つかりました/);
  });

  test('the language follows the locale when --lang is not given', () => {
    const run = runCli(['check', 'src/model.py'], root, { LANG: 'ja_JP.UTF-8' });
    assert.match(run.stdout, /最大値を引いていない値/);
    const english = runCli(['check', 'src/model.py'], root, { LANG: 'ja_JP.UTF-8', LC_ALL: 'C' });
    assert.match(english.stdout, /unshifted values/);
  });

  test('rules lists every rule with its family, fix safety and summary', () => {
    const run = runCli(['rules', '--format', 'json'], root);
    assert.equal(run.status, 0);
    const rules = JSON.parse(run.stdout);
    const softmax = rules.find((rule: { code: string }) => rule.code === 'NG101');
    assert.deepEqual(
      { ...softmax, summary: typeof softmax.summary },
      {
        code: 'NG101',
        name: 'naive-softmax',
        family: 'exp-overflow',
        fix: 'safe',
        severity: 'warning',
        summary: 'string',
      },
    );
    const text = runCli(['rules'], root);
    assert.match(
      text.stdout,
      /^NG101 +naive-softmax +exp-overflow +safe fix +Softmax written by hand/m,
    );
    assert.equal(text.stdout.trim().split('\n').length, rules.length);
    const japanese = runCli(['rules', '--lang', 'ja'], root);
    assert.match(
      japanese.stdout,
      /^NG101 +naive-softmax +exp-overflow +安全な修正 +exp\(x\) \/ sum/m,
    );
  });
});
