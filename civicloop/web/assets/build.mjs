// Builds CivicLoop's static assets into civicloop/web/static/vendor (run by `make assets`).
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const out = join(root, "civicloop", "web", "static", "vendor");
const nm = join(root, "node_modules");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "govuk"), { recursive: true });

const css = sass.compile(join(root, "civicloop", "web", "assets", "civicloop.scss"), {
  style: "compressed",
  loadPaths: [nm],
  importers: [new sass.NodePackageImporter(root)],
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin"],
});
writeFileSync(join(out, "civicloop.css"), css.css);

// No GDS Transport fonts: we are not GOV.UK. Images (icons) only.
cpSync(join(nm, "govuk-frontend", "dist", "govuk", "assets", "images"), join(out, "govuk", "assets", "images"), { recursive: true });
cpSync(join(nm, "htmx.org", "dist", "htmx.min.js"), join(out, "htmx.min.js"));
for (const name of ["app", "charts", "portal"]) {
  esbuild.buildSync({
    entryPoints: [join(root, "civicloop", "web", "assets", `${name}.mjs`)],
    bundle: true,
    minify: true,
    format: "iife",
    target: ["es2020"],
    outfile: join(out, `${name}.js`),
    logLevel: "warning",
  });
}
console.log(`assets built into ${out}`);
