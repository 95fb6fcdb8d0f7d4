// Keyboard helpers: "/" focuses the page's search box; confirm before destructive forms.
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  const search = document.querySelector("[data-search]");
  if (search) { event.preventDefault(); search.focus(); }
});
document.addEventListener("submit", (event) => {
  const message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// Progress bars carry their value in data-progress (inline styles are blocked by the CSP).
function paintProgress(root) {
  root.querySelectorAll("[data-progress]").forEach((bar) => { bar.style.width = `${bar.dataset.progress}%`; });
}
document.addEventListener("DOMContentLoaded", () => paintProgress(document));
document.addEventListener("htmx:afterSettle", () => paintProgress(document));
