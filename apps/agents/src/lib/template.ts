/** Values for the placeholders of persona lines (see personas.ts). */
export type TemplateVars = Partial<
  Record<
    'player' | 'agent' | 'boss' | 'favour' | 'price' | 'echo' | 'label' | 'amount' | 'target',
    string
  >
>;

const PLACEHOLDER = /\{(player|agent|boss|favour|price|echo|label|amount|target)\}/g;

/** Fills a persona line; an unknown value renders as an empty string rather than `{x}`. */
export function render(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (_, name: keyof TemplateVars) => vars[name] ?? '');
}

const cache = new Map<string, RegExp>();

/**
 * True when `text` contains `template` with any placeholder values: how the scripted brain
 * recognises the canned line it used last time even when the player's name or quote changed.
 */
export function containsTemplate(text: string, template: string): boolean {
  let pattern = cache.get(template);
  if (!pattern) {
    const source = template
      .split(PLACEHOLDER)
      .map((part, i) => (i % 2 === 1 ? '[\\s\\S]*?' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('');
    pattern = new RegExp(source);
    cache.set(template, pattern);
  }
  return pattern.test(text);
}
