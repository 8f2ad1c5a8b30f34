import assert from "node:assert/strict";
import { test } from "node:test";
import { fold, matches, ranges, terms } from "../src/search.js";

test("accents and case fold away", () => {
  assert.equal(fold("Schlüssel"), "schlussel");
  assert.equal(fold("Straße Æsir"), "strasse aesir");
  assert.deepEqual(terms("  Crème  BRÛLÉE "), ["creme", "brulee"]);
});

test("labels and ids", () => {
  const item = { text: fold("What is a key?"), label: "Q2.3", id: "what-is-a-key" };
  assert.ok(matches(item, terms("q2.3")));
  assert.ok(matches(item, terms("Q2")));
  assert.ok(!matches(item, terms("Q2.30")));
  assert.ok(!matches(item, terms("Q22")));
  assert.ok(matches(item, terms("what-is-a-key")));
  assert.ok(matches(item, terms("Q2.3 key")));
  assert.ok(!matches(item, terms("Q2.3 lock")));
});

test("ranges point at the original text", () => {
  const text = "Der Schlüssel, the SCHLUSSEL";
  const found = ranges(text, terms("schlussel"));
  assert.deepEqual(found.map(([a, b]) => text.slice(a, b)), ["Schlüssel", "SCHLUSSEL"]);
  const decomposed = "Schlu\u0308ssel";
  const [[a, b]] = ranges(decomposed, ["schlussel"]);
  assert.equal(decomposed.slice(a, b), decomposed);
});
