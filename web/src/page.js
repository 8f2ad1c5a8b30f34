// What the page's HTML says about the bank: read once at start.
import { fold } from "./search.js";

const PARTS = { hint: ".pd-hint-fold", points: ".pd-keypoints", answer: ".pd-answer" };

/** The bank and its questions as the HTML lists them (site.py writes the data-*). */
export function readPage(body, main) {
  const articles = Array.from(main.querySelectorAll("article.pd-q"));
  const questions = articles.map((el, index) => {
    // getElementsByClassName, not querySelector: this runs for every question at open.
    const label = el.getElementsByClassName("pd-label")[0];
    const questionText = el.getElementsByClassName("pd-q-text")[0];
    const texts = [questionText ? questionText.textContent : ""];
    let keyPoints = 0;
    for (const body of el.getElementsByClassName("pd-fold-body")) {
      texts.push(body.textContent);
      if (body.parentNode.classList.contains("pd-keypoints")) {
        keyPoints = body.getElementsByTagName("li").length;
      }
    }
    return {
      el,
      id: el.id,
      index,
      label: label ? label.textContent : el.id,
      tier: el.dataset.tier,
      topics: (el.dataset.topics || "").split(" ").filter(Boolean),
      changed: el.dataset.changed || body.dataset.version,
      keyPoints,
      text: fold(texts.join("\n")),
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
