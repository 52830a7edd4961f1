import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHOSEN_CONFIG_FIELDS } from '../../demo/protocol.js';

/**
 * The demo page's settings form starts at DEFAULT_TRAIN_CONFIG (demo/main.ts
 * fills it in), so demo/index.html must not carry defaults of its own that
 * could drift from the command line's.
 */
const html = readFileSync(fileURLToPath(new URL('../../demo/index.html', import.meta.url)), 'utf8');
const form = /<form id="settings">([\s\S]*?)<\/form>/.exec(html)?.[1] ?? '';

/** Every `<input ...>` tag of the form, by its name attribute. */
const inputs = new Map<string, string>();
for (const [tag] of form.matchAll(/<input\b[^>]*>/g)) {
  const name = /\bname="([^"]+)"/.exec(tag)?.[1];
  if (name) inputs.set(name, tag);
}

describe('demo settings form', () => {
  it('has the form', () => {
    expect(form).not.toBe('');
  });

  it.each(CHOSEN_CONFIG_FIELDS)('%s has an input with no default of its own', (field) => {
    const tag = inputs.get(field);
    expect(tag, `demo/index.html: no <input name="${field}"> in #settings`).toBeDefined();
    expect(tag, `demo/index.html: ${field} sets its own value`).not.toMatch(/\bvalue=/);
    expect(tag, `demo/index.html: ${field} sets its own checked state`).not.toMatch(/\bchecked\b/);
  });

  it('has no input besides those fields and the readout switch', () => {
    const pageOnly = ['readout']; // what the page does around training, not a TrainConfig field
    const chosen: readonly string[] = CHOSEN_CONFIG_FIELDS;
    const unknown = [...inputs.keys()].filter((name) => !chosen.includes(name) && !pageOnly.includes(name));
    expect(unknown).toEqual([]);
  });
});
