// Where progress lives: localStorage, one key per bank (never per version, so a new
// version of the page finds it), written a moment after each change so grading never
// waits for it.  The marks of pages before the study app (one key per version) are
// read once and folded in.
import { emptyProgress, migrate, parseImport, put } from "./progress.js";

export function openStore(page, now) {
  const key = `prepdeck:${page.bank}:progress`;
  let timer = 0;
  let progress = null;
  let report = { changed: [], removed: [] };
  let raw = null;
  try {
    raw = window.localStorage.getItem(key);
  } catch (e) {
    raw = null; // storage off: this visit only
  }
  // What is stored is read as an import is, with the same checks: a damaged entry is
  // kept aside (never lost, never half read) and the page starts afresh.
  const parsed = raw ? parseImport(raw, page.bank) : null;
  if (parsed && parsed.progress) {
    let settings = {};
    try {
      const data = JSON.parse(raw);
      if (data.settings && typeof data.settings === "object") settings = data.settings;
    } catch (e) {
      /* parseImport read it; cannot happen */
    }
    const migrated = migrate(parsed.progress, page, now);
    progress = migrated.progress;
    progress.settings = settings;
    report = { changed: migrated.changed, removed: migrated.removed, from: parsed.progress.bankVersion };
  } else {
    if (raw) {
      report.damaged = parsed ? parsed.error : "unreadable";
      try {
        window.localStorage.setItem(key + ":damaged", raw);
      } catch (e) {
        /* no room: it stays where it is until the first save */
      }
    }
    progress = emptyProgress(page.bank, page.version);
  }
  progress.settings ||= {};
  // Marks from the page before the study app: prepdeck:<bank>:<version>.
  try {
    const legacyKey = `prepdeck:${page.bank}:${page.version}`;
    const legacy = JSON.parse(window.localStorage.getItem(legacyKey) || "null");
    if (legacy && typeof legacy === "object") {
      for (const id of Object.keys(legacy)) {
        if (legacy[id] === "knew" || legacy[id] === "again") put(progress.marks, id, legacy[id]);
      }
      window.localStorage.removeItem(legacyKey);
    }
  } catch (e) {
    /* nothing to fold in */
  }

  function write() {
    timer = 0;
    try {
      window.localStorage.setItem(key, JSON.stringify(progress));
      return true;
    } catch (e) {
      return false; // storage off (private mode, file:// policy): this visit only
    }
  }

  return {
    key,
    report,
    get progress() {
      return progress;
    },
    replace(next) {
      progress = next;
      progress.settings ||= {};
      this.save();
    },
    /** Write soon (after this frame), once however many changes come first. */
    save() {
      if (!timer) timer = window.setTimeout(write, 0);
    },
    flush() {
      if (timer) window.clearTimeout(timer);
      return write();
    },
  };
}

/**
 * Ask the browser to keep this page's storage; calls `evictable()` when it may still
 * be cleared (Safari clears a site's storage after seven days without a visit), so the
 * page can say so once and offer the export.
 */
export function askToPersist(evictable) {
  const storage = navigator.storage;
  if (!storage || !storage.persist) {
    evictable();
    return;
  }
  storage.persisted().then((already) => (already ? true : storage.persist())).then(
    (granted) => {
      if (!granted) evictable();
    },
    () => evictable(),
  );
}

/** Offer `text` as a file download (a blob: URL, made and revoked here; no request). */
export function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}
