// Accord's behaviour beyond htmx: confirmation before destructive actions (no inline handlers,
// so the Content-Security-Policy can forbid inline script).
document.addEventListener("submit", function (event) {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
    event.preventDefault();
  }
});
