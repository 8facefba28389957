// Tend's own script: keyboard shortcuts, the reply counter, the language switch's
// return path, live updates. Progressive enhancement only: every action also works
// as a plain form, and every page is complete without the live updates.
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
  let rows = Array.from(document.querySelectorAll(".rows .row"));
  let current = -1;
  const select = (i) => {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach((r, j) => r.classList.toggle("current", j === current));
    rows[current].scrollIntoView({ block: "nearest" });
  };
  const currentRow = () => (current >= 0 ? rows[current] : null);
  const checkOnly = (row) => {
    for (const box of document.querySelectorAll('.rows input[type="checkbox"]')) box.checked = false;
    const box = row && row.querySelector('input[type="checkbox"]');
    if (box) box.checked = true;
  };
  const toggleChecked = (row) => {
    const box = row && row.querySelector('input[type="checkbox"]');
    if (box) box.checked = !box.checked;
  };
  // Review queue: a decision key decides the checked rows, or the current row when
  // none is checked, by submitting the bulk form with that decision's button.
  const decide = (key) => {
    const form = document.getElementById("bulk");
    const button = form && form.querySelector(`.bulkbar button[data-key="${key}"]`);
    if (!button) return false;
    if (!form.querySelector('.rows input[type="checkbox"]:checked')) {
      if (!currentRow()) return false;
      checkOnly(currentRow());
    }
    form.requestSubmit(button);
    return true;
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
    const list = kind === "inbox" || kind === "review";
    let handled = true;
    if (kind === "review" && "arhbe".includes(ev.key) && ev.key.length === 1) {
      if (decide(ev.key)) ev.preventDefault();
      return;
    }
    switch (ev.key) {
      case "?": toggleHelp(); break;
      case "/": handled = focus("search"); break;
      case "j": if (list) select(current + 1); else handled = false; break;
      case "k": if (list) select(current - 1); else handled = false; break;
      case "x": if (list && currentRow()) toggleChecked(currentRow()); else handled = false; break;
      case "o": case "Enter":
        if (list && currentRow()) location.href = currentRow().dataset.href; else handled = false;
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

  // --- Channels: only the chosen network's settings are shown (without the
  // script every network's fieldset shows, each under its name).
  const networkSelect = document.getElementById("channel-network");
  if (networkSelect) {
    const showNetwork = () => {
      for (const set of document.querySelectorAll("fieldset.network-settings")) {
        set.hidden = set.dataset.network !== networkSelect.value;
      }
    };
    networkSelect.addEventListener("change", showNetwork);
    showNetwork();
  }

  // --- Live updates -----------------------------------------------------------
  // The server streams the workspace's events (/api/w/{slug}/events, server-sent
  // events; the browser reconnects and resumes by itself). On an event the page
  // fetches itself again (at most once a second) and takes the fresh parts, so the
  // server's filters and templates decide what is shown. Inbox: rows a teammate
  // changed are updated in place, rows that left the view are removed, and new rows
  // are announced in a bar ("3 new — show") instead of being pushed into the list
  // under the reader's keyboard cursor. Conversation: the parts marked data-live are
  // replaced, except one the reader is typing in.
  const view = document.querySelector("[data-page]");
  const viewKind = view ? view.dataset.page : "";
  if (slug && window.EventSource && (viewKind === "inbox" || viewKind === "conversation")) {
    const changed = new Set();
    let timer = null;
    let busy = false;
    let again = false;

    const mergeInbox = (doc) => {
      const fresh = new Map();
      for (const row of doc.querySelectorAll(".rows .row")) fresh.set(row.dataset.id, row);
      const shown = new Set();
      for (const row of rows.slice()) {
        const id = row.dataset.id;
        shown.add(id);
        const now = fresh.get(id);
        if (now) {
          const badges = row.querySelector(".badges");
          const freshBadges = now.querySelector(".badges");
          if (badges && freshBadges) badges.replaceWith(document.importNode(freshBadges, true));
        } else if (changed.has(id)) {
          // Changed by a teammate and no longer in this view (done, reassigned …).
          const i = rows.indexOf(row);
          row.remove();
          rows.splice(i, 1);
          if (current >= rows.length) current = rows.length - 1;
        }
      }
      // New rows are those above the last row still shown; rows below it only moved
      // up into the page because others left it.
      const order = Array.from(fresh.keys());
      let end = order.length;
      for (let i = order.length - 1; i >= 0; i -= 1) {
        if (shown.has(order[i]) && rows.some((r) => r.dataset.id === order[i])) { end = i; break; }
      }
      let added = 0;
      for (const id of order.slice(0, end)) if (!shown.has(id)) added += 1;
      const bar = document.getElementById("live-bar");
      if (bar) {
        bar.hidden = added === 0;
        const n = bar.querySelector(".n");
        if (n) n.textContent = String(added);
        const link = bar.querySelector("a");
        if (link) link.href = location.pathname + location.search;
      }
      const tabs = document.querySelector("nav.tabs");
      const freshTabs = doc.querySelector("nav.tabs");
      if (tabs && freshTabs) tabs.replaceWith(document.importNode(freshTabs, true));
    };

    const mergeConversation = (doc) => {
      for (const el of document.querySelectorAll("[data-live]")) {
        const fresh = el.id && doc.getElementById(el.id);
        if (fresh && !el.contains(document.activeElement)) el.replaceWith(document.importNode(fresh, true));
      }
    };

    const refresh = async () => {
      if (busy) { again = true; return; }
      busy = true;
      try {
        const res = await fetch(location.pathname + location.search, { credentials: "same-origin" });
        if (res.ok) {
          const doc = new DOMParser().parseFromString(await res.text(), "text/html");
          if (viewKind === "inbox") mergeInbox(doc); else mergeConversation(doc);
          changed.clear();
        }
      } catch (e) {
        // Offline for a moment: the next event tries again.
      }
      busy = false;
      if (again) { again = false; schedule(); }
    };
    const schedule = () => {
      if (!timer) timer = setTimeout(() => { timer = null; refresh(); }, 1000);
    };
    const payload = (ev) => { try { return JSON.parse(ev.data); } catch (e) { return {}; } };
    // Whether an event can change what this page shows.
    const concerns = (ids) => viewKind === "inbox" || ids.some((id) => document.getElementById("m" + id));

    // The stream holds one of the browser's few connections to the server (six per
    // host over HTTP/1.1): it is closed when the page is hidden — including when it
    // goes into the back/forward cache, where it would otherwise stay open — and
    // opened again (catching up with a refresh) when the page is shown again.
    let source = null;
    const listen = () => {
      source = new EventSource(`/api/w/${encodeURIComponent(slug)}/events`);
      source.addEventListener("messages.changed", (ev) => {
        const ids = (payload(ev).messages || []).map(String);
        for (const id of ids) changed.add(id);
        if (concerns(ids)) schedule();
      });
      source.addEventListener("messages.stored", (ev) => {
        const channels = (payload(ev).channels || []).map(String);
        if (viewKind === "inbox" || channels.includes(view.dataset.channel || "")) schedule();
      });
      source.addEventListener("reset", schedule);
    };
    listen();
    // A reply on its way out changes state without an event (the sender writes
    // none): while one is still moving, look again every few seconds.
    if (viewKind === "conversation") {
      setInterval(() => {
        if (!document.hidden && document.querySelector("#live-outbox [data-pending]")) schedule();
      }, 4000);
    }
    window.addEventListener("pagehide", () => {
      if (source) { source.close(); source = null; }
    });
    window.addEventListener("pageshow", (ev) => {
      if (ev.persisted && !source) { listen(); schedule(); }
    });
  }
})();
