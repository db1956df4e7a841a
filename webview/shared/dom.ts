/** Builds DOM nodes without HTML strings, so run data (names, tokens) is never parsed as markup. */
type Child = Node | string | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: { className?: string; id?: string; text?: string; title?: string; attrs?: Record<string, string> } = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.id) node.id = props.id;
  if (props.text !== undefined) node.textContent = props.text;
  if (props.title) node.title = props.title;
  for (const [name, value] of Object.entries(props.attrs ?? {})) node.setAttribute(name, value);
  for (const child of children) if (child) node.append(child);
  return node;
}

/** A titled card of the dashboard grid. */
export function card(title: string, body: Child[], className = ''): HTMLElement {
  return el('section', { className: `card ${className}`.trim() }, [el('h2', { text: title }), ...body]);
}

export const formatNumber = (value: number | undefined, digits = 3) =>
  value === undefined || !Number.isFinite(value)
    ? '–'
    : Math.abs(value) >= 1000
      ? Math.round(value).toLocaleString('en-US')
      : Number(value.toPrecision(digits)).toString();
