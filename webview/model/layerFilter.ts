/** The layer filter of the heatmaps: "0-7, 12, 40-" picks MoE layers; empty picks all. */
export type LayerFilterResult = { layers: number[]; error?: undefined } | { layers?: undefined; error: string };

export function parseLayerFilter(text: string, layerCount: number): LayerFilterResult {
  const all = Array.from({ length: layerCount }, (_, l) => l);
  if (!text.trim()) return { layers: all };
  const picked = new Set<number>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (!item) continue;
    const match = /^(\d+)?\s*(-)?\s*(\d+)?$/.exec(item);
    if (!match || (match[1] === undefined && match[3] === undefined))
      return { error: `"${item}" is not a layer or a range like 0-7` };
    const from = match[1] !== undefined ? Number(match[1]) : 0;
    const to = match[2] ? (match[3] !== undefined ? Number(match[3]) : layerCount - 1) : from;
    if (from >= layerCount) return { error: `layer ${from} does not exist (layers 0–${layerCount - 1})` };
    if (from > to) return { error: `"${item}": the range runs backwards` };
    for (let l = from; l <= Math.min(to, layerCount - 1); l++) picked.add(l);
  }
  return picked.size ? { layers: [...picked].sort((a, b) => a - b) } : { layers: all };
}
