// The design system's scripted styles (a responsive table's "boxes" on a phone) apply
// only once it knows scripts run.
document.documentElement.classList.add("js-enabled");
// Start the design system's components (it sets window.DS when its module loads).
if (window.DS && window.DS.initAll) {
  window.DS.initAll();
}
// Move focus to an error summary so screen readers announce it.
const summary = document.getElementById("error-summary");
if (summary) {
  summary.focus();
}
// Or to the message that someone else saved first, so it is read before anything else.
const conflict = document.getElementById("conflict");
if (conflict && !summary) {
  conflict.focus();
}

// The timeout warning pattern: two minutes before the idle limit (data-idle-seconds, the
// server's SESSION_IDLE_MINUTES), say so and offer "Stay signed in", which tells the
// server the person is still here. At the limit, go to the sign-in page, which says why
// and brings them back to this page afterwards.
const idleSeconds = Number(document.body.dataset.idleSeconds || 0);
const warning = document.getElementById("timeout-warning");
if (idleSeconds > 0 && warning && typeof warning.showModal === "function") {
  const warnBefore = Math.min(120, Math.floor(idleSeconds / 2));
  const here = window.location.pathname + window.location.search;
  const signIn = document.body.dataset.signIn + "?ended=idle&next=" + encodeURIComponent(here);
  let warnTimer = 0;
  let endTimer = 0;
  const start = () => {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(() => warning.showModal(), (idleSeconds - warnBefore) * 1000);
    endTimer = window.setTimeout(() => window.location.assign(signIn), idleSeconds * 1000);
  };
  document.getElementById("timeout-stay").addEventListener("click", async () => {
    const token = warning.querySelector("input[name=csrf_token]").value;
    const answer = await fetch(document.body.dataset.stillHere, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf_token: token }),
    });
    if (answer.status === 204) {
      warning.close();
      start();
    } else {
      window.location.assign(signIn);
    }
  });
  start();
}
