// Validates Kubernetes manifests (a multi-document YAML file, or stdin)
// against the Kubernetes API's own schemas, through kubernetes-models
// (its classes carry the JSON schemas of the API's OpenAPI definitions).
// Prints one line per document and exits 1 at the first invalid one.
//   node tests/k8s/validate.mjs FILE|-
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const src = readFileSync(process.argv[2] === "-" || !process.argv[2] ? 0 : process.argv[2], "utf8");
const docs = parseAllDocuments(src);
let bad = 0, n = 0;
for (const d of docs) {
  if (d.errors.length) {
    console.log(`not YAML: ${d.errors[0].message}`);
    process.exit(1);
  }
  const obj = d.toJS();
  if (obj === null || obj === undefined) continue;
  n++;
  const { apiVersion, kind } = obj;
  if (!apiVersion || !kind) {
    console.log(`document ${n}: no apiVersion or kind`);
    process.exit(1);
  }
  const group = apiVersion.includes("/") ? apiVersion : `v1`;
  const path = apiVersion.includes("/") ? `kubernetes-models/${group}/${kind}` : `kubernetes-models/v1/${kind}`;
  let mod;
  try {
    mod = await import(path);
  } catch (e) {
    console.log(`${kind} ${apiVersion}: no such kind in the Kubernetes API (${e.code || e.message})`);
    process.exit(1);
  }
  const Cls = mod[kind] || mod.default;
  try {
    new Cls(obj).validate();
    console.log(`valid: ${apiVersion} ${kind} ${obj.metadata && obj.metadata.name}`);
  } catch (e) {
    console.log(`invalid: ${apiVersion} ${kind} ${obj.metadata && obj.metadata.name}: ${e.message}`);
    bad++;
  }
}
if (!n) {
  console.log("no document");
  process.exit(1);
}
process.exit(bad ? 1 : 0);
