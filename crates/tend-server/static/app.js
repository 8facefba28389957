// Tend's own script: keyboard shortcuts, the reply counter, the language switch's
// return path. Progressive enhancement only: every action also works as a plain form.
"use strict";
(function () {
  const body = document.body;
  const csrf = body.dataset.csrf || "";
  const slug = body.dataset.slug || "";

  // Return to the same page after switching language.
  for (const el of document.querySelectorAll(".js-back")) {
    el.value = location.pathname + location.search;
  }

  const help = document.getElementById("help");
  const toggleHelp = () => { if (help) help.hidden = !help.hidden; };

  const typing = (el) =>
    el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);

  // --- Inbox ---------------------------------------------------------------
  const rows = Array.from(document.querySelectorAll(".rows .row"));
  let current = -1;
  const select = (i) => {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, j) => r.classList.toggle("current", j === current));
    rows[current].scrollIntoView({ block: "nearest" });
  };
  const currentRow = () => (current >= 0 ? rows[current] : null);
  const checkOnly = (row) => {
    for (const box of document.querySelectorAll('.rows input[name="id"]')) box.checked = false;
    const box = row && row.querySelector('input[name="id"]');
    if (box) box.checked = true;
  };
  const markDone = async (row) => {
    const id = row.dataset.id;
    const res = await fetch(`/api/w/${encodeURIComponent(slug)}/messages/${id}/state`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ state: "done" }),
      credentials: "same-origin",
    });
    if (res.ok) {
      const i = rows.indexOf(row);
      row.remove();
      rows.splice(i, 1);
      select(Math.min(i, rows.length - 1));
    }
  };

  // --- Conversation: reply counter ------------------------------------------
  const reply = document.getElementById("reply");
  const counter = document.getElementById("reply-count");
  if (reply && counter) {
    const max = Number(reply.dataset.max || "0");
    const update = () => {
      // Code points; the server checks the network's exact (weighted) length.
      const n = Array.from(reply.value).length;
      counter.textContent = String(n);
      counter.parentElement.classList.toggle("over", max > 0 && n > max);
    };
    reply.addEventListener("input", update);
    update();
  }

  const focus = (id) => { const el = document.getElementById(id); if (el) { el.focus(); return true; } return false; };

  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (typing(document.activeElement)) {
      if (ev.key === "Escape") document.activeElement.blur();
      return;
    }
    const page = document.querySelector("[data-page]");
    const kind = page ? page.dataset.page : "";
    let handled = true;
    switch (ev.key) {
      case "?": toggleHelp(); break;
      case "/": handled = focus("search"); break;
      case "j": if (kind === "inbox") select(current + 1); else handled = false; break;
      case "k": if (kind === "inbox") select(current - 1); else handled = false; break;
      case "o": case "Enter":
        if (kind === "inbox" && currentRow()) location.href = currentRow().dataset.href; else handled = false;
        break;
      case "e":
        if (kind === "inbox" && currentRow()) markDone(currentRow());
        else if (kind === "conversation") { const f = document.getElementById("done-form"); if (f) f.submit(); else handled = false; }
        else handled = false;
        break;
      case "a":
        if (kind === "inbox") { checkOnly(currentRow()); handled = focus("bulk-assignee"); }
        else handled = focus("assignee");
        break;
      case "t":
        if (kind === "inbox") { checkOnly(currentRow()); handled = focus("bulk-tag"); }
        else handled = focus("tag-input");
        break;
      case "r":
        if (kind === "inbox" && currentRow()) location.href = currentRow().dataset.href + "#reply-form";
        else handled = focus("reply");
        break;
      default: handled = false;
    }
    if (handled) ev.preventDefault();
  });
  if (location.hash === "#reply-form") focus("reply");
})();
