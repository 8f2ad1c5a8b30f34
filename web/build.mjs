// Bundle the study page's script (web/src) with ts-fsrs into the one file the Python
// package ships and inlines: src/prepdeck/styles/site.js.  Committed; a test rebuilds
// it and fails when it differs (`make site-js` writes it, `--check` only compares).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "src/prepdeck/styles/site.js");
const fsrsDir = join(root, "node_modules/ts-fsrs");
const fsrs = JSON.parse(readFileSync(join(fsrsDir, "package.json"), "utf8"));
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).dependencies["ts-fsrs"];
if (fsrs.version !== pinned) {
  console.error(`node_modules has ts-fsrs ${fsrs.version}, package.json pins ${pinned}: run npm ci`);
  process.exit(1);
}
const licence = readFileSync(join(fsrsDir, "LICENSE"), "utf8").trim();

const banner = [
  "/* prepdeck's study page script, bundled from web/src by web/build.mjs: do not edit.",
  ` * It includes ts-fsrs ${fsrs.version} (${fsrs.homepage}), under this licence:`,
  " *",
  ...licence.split("\n").map((line) => (line ? ` * ${line}` : " *")),
  " */",
].join("\n");

const result = await esbuild.build({
  entryPoints: [join(root, "web/src/main.js")],
  bundle: true,
  format: "iife",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  minify: !process.env.PD_NOMINIFY,
  legalComments: "none",
  charset: "utf8",
  banner: { js: banner },
  write: false,
  logLevel: "warning",
});
const text = result.outputFiles[0].text;
if (/<\/script|<!--/i.test(text)) {
  console.error("the bundle contains </script or <!--, which would end the page's inline block");
  process.exit(1);
}
if (process.argv.includes("--check")) {
  let shipped = "";
  try {
    shipped = readFileSync(out, "utf8");
  } catch {
    /* missing counts as stale */
  }
  if (shipped !== text) {
    console.error(`${out} is stale: run make site-js and commit it`);
    process.exit(1);
  }
} else {
  writeFileSync(out, text);
}
