import { getLocation, visit, type DocumentNode } from 'graphql';

/**
 * Every field's location in document order: line and column in turn, as graphql-js's
 * `getLocation` gives them. One pass over the text: `getLocation` reads the text from its start
 * for each field, which for 50 aliased lookups (a thousand fields in 15 KB) cost 4 ms a request.
 */
export function fieldLocations(document: DocumentNode): Uint32Array {
  const starts: number[] = [];
  let source: string | undefined;
  visit(document, {
    Field(node) {
      if (node.loc === undefined) return;
      source ??= node.loc.source.body;
      starts.push(node.loc.start);
    },
  });
  if (source === undefined) return new Uint32Array(0);
  return locationsOf(source, starts) ?? slowFieldLocations(document);
}

/**
 * Line and column of each offset, in turn, in one walk over the text; null when the offsets do not
 * grow (a parsed document's fields always come in text order). Lines end as graphql-js ends
 * them: \r\n, \n or \r.
 */
export function locationsOf(source: string, starts: readonly number[]): Uint32Array | null {
  const found = new Uint32Array(2 * starts.length);
  let line = 1;
  let lineStart = 0;
  let at = 0;
  for (let i = 0; i < starts.length; i += 1) {
    const target = starts[i] as number;
    if (target < at || target > source.length) return null;
    for (; at < target; at += 1) {
      const unit = source.charCodeAt(at);
      if (unit === 0x0a || (unit === 0x0d && source.charCodeAt(at + 1) !== 0x0a)) {
        line += 1;
        lineStart = at + 1;
      }
    }
    found[2 * i] = line;
    found[2 * i + 1] = target - lineStart + 1;
  }
  return found;
}

/** The same, field by field (fields out of document order: never in a parsed document). */
function slowFieldLocations(document: DocumentNode): Uint32Array {
  const found: number[] = [];
  visit(document, {
    Field(node) {
      if (node.loc === undefined) return;
      const at = getLocation(node.loc.source, node.loc.start);
      found.push(at.line, at.column);
    },
  });
  return Uint32Array.from(found);
}
