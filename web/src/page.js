// What the page's HTML says about the bank: read once at start.
import { fold } from "./search.js";

const PARTS = { hint: ".pd-hint-fold", points: ".pd-keypoints", answer: ".pd-answer" };

/** The bank and its questions as the HTML lists them (site.py writes the data-*). */
export function readPage(body, main) {
  const articles = Array.from(main.querySelectorAll("article.pd-q"));
  const questions = articles.map((el, index) => {
    const label = el.querySelector(".pd-label");
    const textOf = (selector) => {
      const part = el.querySelector(selector + " > .pd-fold-body");
      return part ? part.textContent : "";
    };
    const questionText = el.querySelector(".pd-q-text");
    const points = el.querySelectorAll(".pd-keypoints li");
    return {
      el,
      id: el.id,
      index,
      label: label ? label.textContent : el.id,
      tier: el.dataset.tier,
      topics: (el.dataset.topics || "").split(" ").filter(Boolean),
      changed: el.dataset.changed || body.dataset.version,
      keyPoints: points.length,
      text: fold(
        [
          questionText ? questionText.textContent : "",
          textOf(PARTS.hint),
          textOf(PARTS.points),
          textOf(PARTS.answer),
        ].join("\n"),
      ),
      shown: true,
      placeholder: null,
    };
  });
  return {
    bank: body.dataset.bank,
    version: body.dataset.version,
    recall: (body.dataset.notes || "").split(" ").includes("key-points"),
    questions,
  };
}

export { PARTS };
