// The capacity assessment's Print button (no inline handlers under the Content Security Policy).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
