// Per-project PII policies: validation with errors that name the entry, and what a policy changes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';
import { anonymizeText, PiiConfigError, PiiPolicies, validatePiiConfig } from '../../src/core/pii/index.js';

test('the configuration is validated with errors that name the entry', () => {
  const bad: [unknown, RegExp][] = [
    [[], /must be a JSON object/],
    [{ defaults: {} }, /defaults: unknown section/],
    [{ default: { types: ['EMAIL', 'NAME'] } }, /default\.types\[1\]: unknown type "NAME"/],
    [{ projects: { shop: { patterns: [{ type: 'order', pattern: 'x' }] } } }, /projects\.shop\.patterns\[0\]\.type/],
    [{ projects: { shop: { patterns: [{ type: 'ORDER', pattern: '(' }] } } }, /projects\.shop\.patterns\[0\]\.pattern: is not a valid regular expression/],
    [{ projects: { shop: { patterns: [{ type: 'ORDER', pattern: '(a+)+b' }] } } }, /catastrophic backtracking/],
    [{ projects: { shop: { patterns: [{ type: 'ORDER', pattern: 'x*' }] } } }, /matches the empty string/],
    [{ projects: { shop: { patterns: [{ type: 'ORDER', pattern: 'x', flags: 'g' }] } } }, /flags: may only hold/],
    [{ projects: { shop: { allowlist: ['ok', ''] } } }, /allowlist\[1\]: must not be empty/],
    [{ projects: { shop: { region: 'XX' } } }, /region: must be an ISO 3166/],
    [{ projects: { shop: { typo: 1 } } }, /projects\.shop\.typo: unknown setting/],
  ];
  for (const [config, message] of bad) assert.throws(() => validatePiiConfig(config), (e: Error) => e instanceof PiiConfigError && message.test(e.message), JSON.stringify(config));
  assert.deepEqual(validatePiiConfig({ default: { types: ['EMAIL'] }, projects: { shop: { region: 'GB' } } }), { default: { types: ['EMAIL'] }, projects: { shop: { region: 'GB' } } });
});

test('FEEDLOOP_PII_CONFIG is read and validated at start-up; a bad file fails loadConfig naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'feedloop-pii-config-'));
  try {
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ default: { allowlist: ['Acme Care'] }, projects: { shop: { types: ['EMAIL'] } } }));
    assert.deepEqual(loadConfig({ FEEDLOOP_PII_CONFIG: good }).piiConfig?.projects, { shop: { types: ['EMAIL'] } });
    const badJson = join(dir, 'bad.json');
    writeFileSync(badJson, '{ "default": ');
    assert.throws(() => loadConfig({ FEEDLOOP_PII_CONFIG: badJson }), (e: Error) => e instanceof ConfigError && e.message.includes('bad.json is not valid JSON'));
    const badEntry = join(dir, 'entry.json');
    writeFileSync(badEntry, JSON.stringify({ projects: { shop: { types: ['PHONES'] } } }));
    assert.throws(() => loadConfig({ FEEDLOOP_PII_CONFIG: badEntry }), (e: Error) => e instanceof ConfigError && /entry\.json.*projects\.shop\.types\[0\]/.test(e.message));
    assert.throws(() => loadConfig({ FEEDLOOP_PII_CONFIG: join(dir, 'missing.json') }), /cannot read/);
    assert.equal(loadConfig({}).piiConfig, null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a policy removes only its types, adds custom patterns, keeps allowlisted terms, and sets the phone region', () => {
  const policies = new PiiPolicies({
    default: { allowlist: ['Lily Chen'] },
    projects: {
      support: { types: ['EMAIL', 'PHONE'], patterns: [{ type: 'TICKET', pattern: 'TCK-\\d{5}' }] },
      pl: { region: 'PL' },
    },
  });
  const text = 'Lily Chen here: customer Marta Nowak (TCK-48213, marta.nowak@poczta.pl, +48 601 234 567) from 185.22.91.47';
  assert.equal(
    anonymizeText(text, policies.for('support')).text,
    'Lily Chen here: customer Marta Nowak ([TICKET], [EMAIL], [PHONE]) from 185.22.91.47',
  );
  const byDefault = anonymizeText(text, policies.for('someone-else')).text;
  assert.ok(byDefault.startsWith('Lily Chen here: customer [PERSON]'), byDefault);
  assert.ok(byDefault.includes('[IP_ADDRESS]') && byDefault.includes('TCK-48213'), byDefault);
  // The allowlist keeps the term itself, not a larger span around it.
  assert.equal(anonymizeText('Write to Lily Chen-Okafor today', policies.for('x')).text, 'Write to [PERSON] today');
  // A bare national number counts only with a phone word and in the region of the policy or the text's language.
  assert.equal(anonymizeText('phone 512 345 678', policies.for('pl')).text, 'phone [PHONE]');
});
