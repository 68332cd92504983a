// The manifest and the client's typed settings mirror must describe the same settings, and every
// `%key%` the manifest uses must have an English and a Japanese text.

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { NanGuardSettings, SETTINGS, SETTINGS_SECTION } from '../../client/settings';
import { DEFAULT_SETTINGS } from '../../server/protocol';

const root = path.resolve(__dirname, '..', '..');
const readJson = (file: string): Record<string, unknown> =>
  JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

interface ManifestSetting {
  type: string;
  default: unknown;
  enum?: string[];
  items?: { type: string };
  additionalProperties?: { type: string; enum: string[] };
}

const manifest = readJson('package.json') as {
  contributes: { configuration: { properties: Record<string, ManifestSetting> } };
};
const manifestSettings = manifest.contributes.configuration.properties;

/** Every `%key%` placeholder anywhere in the manifest. */
function placeholders(value: unknown): string[] {
  if (typeof value === 'string') {
    const match = /^%(.+)%$/.exec(value);
    return match ? [match[1]] : [];
  }
  if (Array.isArray(value)) return value.flatMap(placeholders);
  if (value && typeof value === 'object') return Object.values(value).flatMap(placeholders);
  return [];
}

/** Reads a dotted setting name out of the nested settings object the server uses. */
function nestedValue(settings: object, dottedName: string): unknown {
  return dottedName
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown>)[key], settings);
}

describe('settings mirror', () => {
  test('names the same settings as the manifest', () => {
    const mirrored = Object.keys(SETTINGS).map((name) => `${SETTINGS_SECTION}.${name}`);
    assert.deepEqual(mirrored.sort(), Object.keys(manifestSettings).sort());
  });

  for (const [name, schema] of Object.entries(SETTINGS)) {
    test(`nanguard.${name} has the manifest's type, default and allowed values`, () => {
      const declared = manifestSettings[`${SETTINGS_SECTION}.${name}`];
      assert.ok(declared, `nanguard.${name} is missing from package.json`);
      assert.equal(declared.type, schema.type);
      assert.deepEqual(declared.default, schema.default);
      assert.deepEqual(declared.enum, 'enum' in schema ? [...schema.enum] : undefined);
      assert.deepEqual(declared.items, 'items' in schema ? { type: schema.items } : undefined);
      assert.deepEqual(
        declared.additionalProperties?.enum,
        'additionalProperties' in schema ? [...schema.additionalProperties.enum] : undefined,
      );
    });
  }

  test('defaults agree with the defaults the server assumes', () => {
    for (const [name, schema] of Object.entries(SETTINGS)) {
      assert.deepEqual(nestedValue(DEFAULT_SETTINGS, name), schema.default, `nanguard.${name}`);
    }
  });

  test('getters return the defaults when nothing is set', () => {
    const settings = new NanGuardSettings({ get: () => undefined });
    const defaults = Object.fromEntries(
      Object.entries(SETTINGS).map(([name, schema]) => [name, schema.default]),
    );
    assert.deepEqual(settings.snapshot(), defaults);
  });

  test('getters read set values and drop values of the wrong type', () => {
    const values: Record<string, unknown> = {
      enable: false,
      'lint.select': ['NG1', 42],
      'lint.ignore': 'NG5',
      severity: { NG101: 'error', NG9: 'loud' },
      exclude: ['build/**'],
      'codeAction.ignoreLine.enable': 'yes',
      'fixAll.unsafe': true,
      'trace.server': 'verbose',
    };
    const settings = new NanGuardSettings({ get: <T>(name: string) => values[name] as T });
    assert.deepEqual(settings.snapshot(), {
      enable: false,
      'lint.select': ['NG1'],
      'lint.ignore': [],
      severity: { NG101: 'error' },
      exclude: ['build/**'],
      'codeAction.ignoreLine.enable': true,
      'fixAll.unsafe': true,
      'trace.server': 'verbose',
    });
  });
});

describe('manifest translations', () => {
  const english = readJson('package.nls.json');
  const japanese = readJson('package.nls.ja.json');
  const used = [...new Set(placeholders(manifest))].sort();

  test('the manifest uses placeholders for its texts', () => {
    assert.ok(used.includes('command.scanWorkspace'));
    assert.ok(used.length >= Object.keys(SETTINGS).length);
  });

  test('every placeholder has an English and a Japanese text, and none is left over', () => {
    assert.deepEqual(Object.keys(english).sort(), used);
    assert.deepEqual(Object.keys(japanese).sort(), used);
  });

  test('no text is empty and the Japanese texts are translated', () => {
    for (const key of used) {
      assert.ok(String(english[key]).trim(), `English text of ${key}`);
      assert.ok(String(japanese[key]).trim(), `Japanese text of ${key}`);
      assert.notEqual(japanese[key], english[key], `${key} is not translated`);
    }
  });
});

describe('client messages', () => {
  test('every t() string of the client has a Japanese translation', () => {
    const translations = readJson('client/l10n.ja.json');
    const clientFolder = path.join(root, 'client');
    const sources = fs
      .readdirSync(clientFolder)
      .filter((file) => file.endsWith('.ts'))
      .map((file) => fs.readFileSync(path.join(clientFolder, file), 'utf8'))
      .join('\n');
    const calls = [...sources.matchAll(/\bt\(\s*'((?:[^'\\]|\\.)*)'/g)].map((match) =>
      match[1].replace(/\\'/g, "'"),
    );
    assert.ok(calls.length > 10, 'the client has localised messages');
    for (const message of new Set(calls)) {
      assert.ok(message in translations, `missing Japanese translation: ${message}`);
    }
  });
});
