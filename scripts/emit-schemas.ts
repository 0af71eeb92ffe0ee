// Writes every named schema as a JSON Schema file, plus the OpenAPI document, into schemas/json/.
import fs from 'node:fs';
import path from 'node:path';
import { NAMED_SCHEMAS, openApiDocument, toJsonSchema } from '@liveticker/schemas';

const out = path.resolve(__dirname, '../schemas/json');
fs.mkdirSync(out, { recursive: true });
for (const [name, schema] of Object.entries(NAMED_SCHEMAS)) {
  fs.writeFileSync(path.join(out, `${name}.schema.json`), `${JSON.stringify(toJsonSchema(schema), null, 2)}\n`);
}
fs.writeFileSync(path.join(out, 'openapi.json'), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
process.stdout.write(`wrote ${Object.keys(NAMED_SCHEMAS).length} schemas and openapi.json to ${out}\n`);
