// Small DOM helpers shared by the views.

export const byId = (id) => document.getElementById(id);

/** An element with attributes and children (strings become text, never markup). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value == null) continue;
    if (name === "class") el.className = value;
    else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child == null || child === false) continue;
    el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return el;
}

/** A copy of the body of a question's part (hint, key points, answer), or null. */
export function partBody(article, selector) {
  const body = article.querySelector(selector + " > .pd-fold-body");
  if (!body) return null;
  const copy = body.cloneNode(true);
  copy.className = "pd-part-body";
  for (const el of copy.querySelectorAll("[id]")) el.removeAttribute("id");
  return copy;
}

export function isField(el) {
  if (!el) return false;
  const tag = el.tagName;
  return (
    tag === "TEXTAREA" ||
    tag === "SELECT" ||
    (tag === "INPUT" && !["checkbox", "radio", "button"].includes(el.type)) ||
    el.isContentEditable
  );
}

export function plural(n, word, many = word + "s") {
  return `${n} ${n === 1 ? word : many}`;
}
