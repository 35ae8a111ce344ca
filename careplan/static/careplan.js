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
