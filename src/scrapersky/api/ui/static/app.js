// ScraperSky UI: selection kept across pages, batch actions with visible results, live badges.
// No framework, no build step. Every request ends in a visible message: nothing spins forever.
(() => {
  "use strict";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const REQUEST_TIMEOUT_MS = 30000;
  const POLL_ACTIVE_MS = 1500;
  const POLL_IDLE_MS = 6000;
  const POLL_HIDDEN_MS = 15000;

  function describeError(status, data) {
    const detail = data && data.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) {
      return detail.map((e) => {
        const where = (e.loc || []).filter((p) => p !== "body").join(".");
        return (where ? where + ": " : "") + e.msg;
      }).join("; ");
    }
    if (status === 401) return "Your session has ended: reload the page and log in again.";
    return "The server answered with status " + status + ".";
  }

  async function request(url, options) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(url, { credentials: "same-origin", signal: controller.signal, ...options });
      let data = {};
      try { data = await response.json(); } catch (_) { data = {}; }
      if (!response.ok) throw new Error(describeError(response.status, data));
      return data;
    } catch (err) {
      if (err.name === "AbortError") {
        throw new Error("No answer from the server after " + REQUEST_TIMEOUT_MS / 1000 + " s. Check the badges before trying again.");
      }
      if (err instanceof TypeError) throw new Error("Could not reach the server (" + err.message + ").");
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  function postJSON(url, body) {
    return request(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
  }

  class Grid {
    constructor(el) {
      this.el = el;
      this.resource = el.dataset.resource;
      this.noun = el.dataset.noun || "rows";
      this.total = Number(el.dataset.total || 0);
      this.filter = el.dataset.filter ? JSON.parse(el.dataset.filter) : {};
      this.filterKey = JSON.stringify(this.filter);
      this.keySelected = "scrapersky:" + this.resource + ":selected";
      this.keyAll = "scrapersky:" + this.resource + ":all";
      this.selected = new Set(JSON.parse(sessionStorage.getItem(this.keySelected) || "[]"));
      this.allMatching = sessionStorage.getItem(this.keyAll) === this.filterKey;
      this.result = el.querySelector("[data-batch-result]");
      this.cellCache = new Map();
      this.pollTimer = null;
      this.bind();
      this.render();
      this.schedulePoll(POLL_ACTIVE_MS);
    }

    rowBoxes() { return Array.from(this.el.querySelectorAll("input[data-select-row]")); }

    save() {
      sessionStorage.setItem(this.keySelected, JSON.stringify(Array.from(this.selected)));
      if (this.allMatching) sessionStorage.setItem(this.keyAll, this.filterKey);
      else sessionStorage.removeItem(this.keyAll);
    }

    render() {
      const boxes = this.rowBoxes();
      boxes.forEach((box) => {
        box.checked = this.allMatching || this.selected.has(Number(box.value));
        box.disabled = this.allMatching;
      });
      const pageBox = this.el.querySelector("input[data-select-page]");
      if (pageBox) {
        const checked = boxes.filter((b) => b.checked).length;
        pageBox.checked = boxes.length > 0 && checked === boxes.length;
        pageBox.indeterminate = checked > 0 && checked < boxes.length;
        pageBox.disabled = this.allMatching;
      }
      const count = this.el.querySelector("[data-selection-count]");
      if (count) {
        if (this.allMatching) count.textContent = "All " + this.total + " " + this.noun + " matching the filter are selected";
        else {
          const onPage = new Set(boxes.map((b) => Number(b.value)));
          const elsewhere = Array.from(this.selected).filter((id) => !onPage.has(id)).length;
          count.textContent = this.selected.size + " selected" + (elsewhere ? " (" + elsewhere + " on other pages)" : "");
        }
      }
      const matching = this.el.querySelector("[data-select-matching]");
      if (matching) matching.hidden = this.allMatching || this.total === 0;
    }

    say(text, tone) {
      if (!this.result) return;
      this.result.textContent = text;
      this.result.className = "batch-result " + (tone || "");
    }

    bind() {
      this.el.addEventListener("change", (event) => {
        const box = event.target;
        if (box.matches("input[data-select-row]")) {
          const id = Number(box.value);
          if (box.checked) this.selected.add(id); else this.selected.delete(id);
        } else if (box.matches("input[data-select-page]")) {
          this.rowBoxes().forEach((b) => {
            if (box.checked) this.selected.add(Number(b.value)); else this.selected.delete(Number(b.value));
          });
        } else return;
        this.save();
        this.render();
      });
      this.el.addEventListener("click", (event) => {
        const target = event.target.closest("button");
        if (!target || !this.el.contains(target)) return;
        if (target.matches("[data-select-matching]")) {
          this.allMatching = true; this.save(); this.render();
        } else if (target.matches("[data-clear-selection]")) {
          this.clearSelection();
        } else if (target.matches("[data-batch-apply]")) {
          const status = this.el.querySelector("[data-batch-status]").value;
          this.batch(target, status);
        } else if (target.matches("[data-batch-queue]")) {
          this.batch(target, "selected");
        } else if (target.matches("[data-requeue]")) {
          this.requeue(target);
        }
      });
    }

    clearSelection() {
      this.selected.clear(); this.allMatching = false; this.save(); this.render();
    }

    selectionBody() {
      if (this.allMatching) return { filter: this.filter };
      return { ids: Array.from(this.selected) };
    }

    async run(button, url, body, onDone) {
      const buttons = Array.from(this.el.querySelectorAll("[data-batchbar] button, [data-requeue]"));
      const label = button.textContent;
      buttons.forEach((b) => { b.disabled = true; });
      button.textContent = "Updating…";
      button.setAttribute("aria-busy", "true");
      this.say("Updating…", "busy");
      try {
        const data = await postJSON(url, body);
        this.say(data.message || "Done.", "ok");
        if (onDone) onDone(data);
        this.pollNow();
      } catch (err) {
        this.say("Failed: " + err.message, "error");
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
        button.textContent = label;
        button.removeAttribute("aria-busy");
        this.render();
      }
    }

    batch(button, status) {
      if (!this.allMatching && this.selected.size === 0) {
        this.say("Select at least one row first, or use “Select all matching the filter”.", "error");
        return;
      }
      this.run(button, this.el.dataset.batchUrl, { ...this.selectionBody(), status }, () => this.clearSelection());
    }

    requeue(button) {
      const body = { ids: [Number(button.dataset.id)] };
      if (button.dataset.requeue) body.stage = button.dataset.requeue;
      this.run(button, this.el.dataset.requeueUrl, body);
    }

    visibleIds() {
      return Array.from(new Set(Array.from(this.el.querySelectorAll("tr[data-id]")).map((r) => r.dataset.id)));
    }

    schedulePoll(delay) {
      clearTimeout(this.pollTimer);
      this.pollTimer = setTimeout(() => this.poll(), document.hidden ? POLL_HIDDEN_MS : delay);
    }

    pollNow() { this.schedulePoll(0); }

    async poll() {
      const ids = this.visibleIds();
      if (!ids.length) return;
      let active = false;
      try {
        const data = await request(this.el.dataset.rowsUrl + "?ids=" + ids.join(","), { headers: { "Accept": "application/json" } });
        for (const row of data.rows) {
          active = active || row.active;
          this.el.querySelectorAll('tr[data-id="' + row.id + '"]').forEach((tr) => {
            for (const [name, html] of Object.entries(row.cells)) {
              const td = tr.querySelector('[data-cell="' + name + '"]');
              const key = row.id + ":" + name;
              if (td && this.cellCache.get(key) !== html) {
                if (this.cellCache.has(key) || td.innerHTML.trim() !== html.trim()) td.innerHTML = html;
                this.cellCache.set(key, html);
              }
            }
          });
        }
        this.el.classList.remove("live-paused");
      } catch (err) {
        this.el.classList.add("live-paused");
        this.say("Live updates paused: " + err.message + " Retrying…", "error");
      }
      this.schedulePoll(active ? POLL_ACTIVE_MS : POLL_IDLE_MS);
    }
  }

  function activity(el) {
    const refresh = async () => {
      if (!document.hidden) {
        try {
          const response = await fetch(el.dataset.panelUrl, { credentials: "same-origin" });
          if (response.ok) {
            const open = Array.from(el.querySelectorAll("details")).map((d) => d.open);
            const html = await response.text();
            if (html !== el.dataset.last) {
              el.innerHTML = html;
              el.dataset.last = html;
              el.querySelectorAll("details").forEach((d, i) => { if (open[i]) d.open = true; });
            }
          }
        } catch (_) { /* the next refresh tries again */ }
      }
      setTimeout(refresh, 4000);
    };
    setTimeout(refresh, 4000);
  }

  document.querySelectorAll("[data-grid]").forEach((el) => new Grid(el));
  document.querySelectorAll("[data-activity]").forEach(activity);
})();
