// The register page: mark everyone not yet marked present, note when a pupil is marked late
// (the server measures lateness by its own clock from the time between that tap and sending),
// let a code chosen from the "Other" list replace the tapped mark, and keep the running tally.
//
// A register is sent by this script rather than by the browser, so that a lost connection
// loses nothing: the register is kept on the tablet (with its key, so that the server takes it
// once however often it arrives) and sent when the connection returns. Listeners sit on the
// document, so a page swapped in after sending needs nothing bound again.
(function () {
  "use strict";
  const UNSENT = "rollcall.unsent";

  const choiceOf = (row) => {
    const other = row.querySelector("select");
    if (other && other.value) return other.selectedOptions[0].dataset.tally;
    const chosen = row.querySelector("input[type=radio]:checked");
    return chosen ? chosen.dataset.tally : "unmarked";
  };
  const tally = (form) => {
    const counts = { present: 0, absent: 0, late: 0, other: 0, unmarked: 0 };
    form.querySelectorAll("li.pupil").forEach((row) => { counts[choiceOf(row)] += 1; });
    Object.entries(counts).forEach(([kind, n]) => {
      const count = document.querySelector("#tally [data-count='" + kind + "']");
      if (count) count.textContent = String(n);
    });
    const other = document.getElementById("tally-other");
    if (other) other.hidden = counts.other === 0;
  };

  document.addEventListener("change", (event) => {
    const input = event.target;
    const form = input.closest("form#register");
    const row = input.closest("li.pupil");
    if (!form || !row) return;
    const key = row.dataset.pupil;
    if (input.type === "radio") {
      const other = row.querySelector("select[name='other_" + key + "']");
      if (other) other.value = "";
      const tapped = row.querySelector("input[name='tapped_" + key + "']");
      if (tapped) tapped.value = input.value === "late" ? String(Date.now()) : "";
    } else if (input.tagName === "SELECT" && input.value !== "") {
      row.querySelectorAll("input[type=radio]").forEach((radio) => { radio.checked = false; });
    }
    tally(form);
  });

  document.addEventListener("click", (event) => {
    if (!event.target.closest("#all-present")) return;
    const form = document.getElementById("register");
    form.querySelectorAll("li.pupil").forEach((row) => {
      if (choiceOf(row) === "unmarked") {
        const present = row.querySelector("input[value=present]");
        if (present) present.checked = true;
      }
    });
    tally(form);
  });

  // Registers kept on this tablet until the server has them.
  const unsent = () => {
    try {
      return JSON.parse(localStorage.getItem(UNSENT) || "[]");
    } catch (damaged) {
      return [];
    }
  };
  const keep = (items) => localStorage.setItem(UNSENT, JSON.stringify(items));
  const forget = (key) => keep(unsent().filter((item) => item.key !== key));
  const newKey = () => (self.crypto && crypto.randomUUID)
    ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  const user = () => document.body.dataset.user || "";
  const tell = (text) => {
    const status = document.getElementById("sending");
    if (!status) return;
    status.textContent = text;
    status.hidden = false;
  };

  // Shows the page the server answered with in place of this one.
  const show = (html, url) => {
    const page = new DOMParser().parseFromString(html, "text/html");
    document.title = page.title;
    document.body.replaceWith(document.adoptNode(page.body));
    history.replaceState(null, "", url);
    window.scrollTo(0, 0);
  };

  // Sends one register; `false` when it is still to send.
  const send = async (item) => {
    const body = new URLSearchParams(item.fields);
    body.set("sent_at", String(Date.now()));
    let response;
    try {
      response = await fetch(item.url, { method: "POST", body, credentials: "same-origin" });
    } catch (offline) {
      return false;
    }
    const url = new URL(response.url);
    if (url.pathname === "/login") {
      tell("Saved on this tablet, not yet sent: sign in again to send it.");
      return false;
    }
    forget(item.key);
    const html = await response.text();
    if (location.pathname === item.url) {
      show(html, url.pathname + url.search);
      const sent = "Sent at " + new Date().toTimeString().slice(0, 5);
      if (item.queued) tell(response.ok ? sent + "." : sent + ", and not saved: see why below.");
    }
    return true;
  };

  const sendUnsent = async () => {
    for (const item of unsent().filter((item) => item.user === user())) {
      if (!(await send(item))) return;
    }
    const list = document.querySelector("ul.registers");
    if (list) markUnsent(list);
  };

  const markUnsent = (list) => {
    const waiting = unsent().filter((item) => item.user === user());
    list.querySelectorAll("a").forEach((link) => {
      const held = waiting.some((item) => item.url === new URL(link.href).pathname);
      const note = link.querySelector(".unsent");
      if (held && !note) {
        link.insertAdjacentHTML("beforeend", "<strong class=\"unsent\">Saved on this tablet, not yet sent</strong>");
      } else if (!held && note) {
        note.remove();
      }
    });
  };

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (form.id !== "register") return;
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    if (!form.elements.idempotency_key.value) form.elements.idempotency_key.value = newKey();
    const item = {
      key: form.elements.idempotency_key.value,
      url: location.pathname,
      user: user(),
      fields: Array.from(new FormData(form), ([name, value]) => [name, String(value)]),
    };
    tell("Sending…");
    if (await send(item)) return;
    item.queued = true;
    keep(unsent().filter((other) => other.key !== item.key).concat([item]));
    if (button) button.disabled = false;
    if (document.getElementById("sending").textContent === "Sending…") {
      tell("Saved on this tablet, not yet sent: there is no connection. It will be sent when the connection returns.");
    }
  });

  window.addEventListener("online", sendUnsent);
  setInterval(sendUnsent, 30000);
  // This page and today's registers, fetched through the service worker that keeps them, so
  // that they open again offline (a teacher's few; not an office's every class).
  const keepForOffline = () => {
    fetch(location.href).catch(() => {});
    const links = Array.from(document.querySelectorAll("ul.registers a"));
    if (links.length <= 12) links.forEach((link) => fetch(link.href).catch(() => {}));
  };
  const list = document.querySelector("ul.registers");
  if (list) markUnsent(list);
  sendUnsent();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("controllerchange", keepForOffline);
    navigator.serviceWorker.register("/sw.js").then(() => {
      if (navigator.serviceWorker.controller && navigator.onLine) keepForOffline();
    }).catch(() => {});
    navigator.serviceWorker.ready.then((registration) => {
      if (!navigator.serviceWorker.controller) registration.active.postMessage("claim");
    });
  }
})();
