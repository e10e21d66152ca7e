// A vega-lite spec to an SVG string, in Node (no browser, no native modules): the bench's
// charts and the load report's are drawn with it.
import * as vega from 'vega';
import type * as vl from 'vega-lite';
import { compile } from 'vega-lite';

export async function vegaLiteSvg(spec: vl.TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const out = await view.toSVG();
  view.finalize();
  return out;
}

/** What every chart starts from: the schema, a white background, one font. */
export const VEGA_BASE = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', background: 'white', config: { font: 'sans-serif' } } as const;
