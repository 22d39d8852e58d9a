// Generates generated/schema.d.ts from docs/openapi.json with openapi-typescript, as a frontend would, with
// its documented `transform` for uploads: `format: binary` becomes `Blob` (the CLI's default is `string`),
// so a typed form can carry a file. Nothing else is changed.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import openapiTS, { astToString } from "openapi-typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const document = path.resolve(here, process.argv[2] ?? "../../../docs/openapi.json");
const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier("Blob"));

const ast = await openapiTS(new URL(`file://${document}`), {
  transform(schema) {
    if (schema.format === "binary") return BLOB;
    return undefined;
  },
});
fs.mkdirSync(path.join(here, "generated"), { recursive: true });
fs.writeFileSync(path.join(here, "generated", "schema.d.ts"), astToString(ast));
console.log(`openapi-typescript: generated/schema.d.ts from ${path.relative(process.cwd(), document)}`);
