/* "Try the bot" (owner/try_widget.html): the web chat opens as soon as it is ready. */
window.addEventListener("pasokh:ready", function () {
  if (window.Pasokh) window.Pasokh.open();
});
