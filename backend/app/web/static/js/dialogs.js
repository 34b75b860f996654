// The confirmation dialog, the token dialog and the notice line under the banner.

import { T } from "./text.js";

/** Ask a yes/no question in dialog#confirm; resolves true for yes. */
export function confirmDialog({ title, message, yes, no, danger = true }) {
  const dialog = document.getElementById("confirm");
  const yesButton = dialog.querySelector('[data-confirm="yes"]');
  const noButton = dialog.querySelector('[data-confirm="no"]');
  document.getElementById("confirm-title").textContent = title ?? T("page_confirm_title");
  document.getElementById("confirm-message").textContent = message;
  yesButton.textContent = yes ?? T("page_yes");
  noButton.textContent = no ?? T("page_no");
  yesButton.classList.toggle("danger", danger);
  yesButton.classList.toggle("primary", !danger);
  return new Promise((resolve) => {
    const answer = (value) => {
      dialog.removeEventListener("close", onClose);
      yesButton.onclick = noButton.onclick = null;
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onClose = () => answer(false); // Esc
    yesButton.onclick = () => answer(true);
    noButton.onclick = () => answer(false);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    noButton.focus(); // the safe answer first
  });
}

const WHY = { refused: "page_token_refused", read_only: "page_token_read_only" };

/** dialog#token-dialog: resolves the token typed, or null when cancelled. `why` says
 * what became of the last one: null (none yet), "refused" or "read_only". */
export function tokenDialog(why) {
  const dialog = document.getElementById("token-dialog");
  const form = document.getElementById("token-form");
  const input = form.elements.token;
  document.getElementById("token-error").textContent = WHY[why] ? T(WHY[why]) : "";
  input.value = "";
  return new Promise((resolve) => {
    const finish = (value) => {
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("close", onClose);
      cancel.onclick = null;
      if (dialog.open) dialog.close();
      resolve(value);
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const token = input.value.trim();
      if (token) finish(token);
      else input.focus();
    };
    const onClose = () => finish(null);
    const cancel = form.querySelector("[data-close]");
    cancel.onclick = () => finish(null);
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("close", onClose);
    dialog.showModal();
    input.focus();
  });
}

let noticeTimer = null;

/** A short message under the banner; errors stay until dismissed or replaced. */
export function notice(text, { error = false } = {}) {
  const box = document.getElementById("notice");
  const line = document.getElementById("notice-text");
  line.textContent = text;
  box.classList.toggle("error", error);
  box.setAttribute("role", error ? "alert" : "status");
  box.hidden = false;
  clearTimeout(noticeTimer);
  if (!error) noticeTimer = setTimeout(() => (box.hidden = true), 10000);
}

export function initNotice() {
  document.getElementById("notice-close").addEventListener("click", () => {
    document.getElementById("notice").hidden = true;
  });
}
