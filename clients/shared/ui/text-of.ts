import type { VNode } from 'preact';

/** The text a component tree shows, its function components called with their props (for tests: no DOM). */
export function textOf(node: unknown): string {
  if (node === null || node === undefined || typeof node === 'boolean') return '';
  if (typeof node === 'string' || typeof node === 'number') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  const v = node as VNode<{ children?: unknown }>;
  if (typeof v.type === 'function') return textOf((v.type as (p: unknown) => unknown)(v.props));
  return textOf(v.props?.children);
}
