import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { compileMapping } from '../connectors/shared/dossierMapping';
import { ExpressionCompiler } from '../connectors/shared/expression/ExpressionCompiler';
for (const f of ['thanh-hoa-motcua', 'thanh-hoa-datdai', 'bo-noi-vu-dvc']) {
  const doc = parse(readFileSync(`examples/registrations/${f}.yaml`, 'utf8'));
  const mapping = doc.config?.mapping;
  if (!mapping) { console.log(f, 'no mapping (national defaults)'); continue; }
  const c = compileMapping(mapping, new ExpressionCompiler(1000));
  console.log(f, 'top-level fields', Object.keys(mapping).length, 'plain', c.plainFields);
}
