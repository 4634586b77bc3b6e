// Headroom: the few behaviours the pages need beyond htmx.
(function () {
  "use strict";

  // The collapsible navigation on small screens. Without JavaScript the menu is simply
  // shown open (the stylesheet collapses it only under html.js).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-nav-toggle]");
    if (!button) return;
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("is-open", open);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var button = document.querySelector("[data-nav-toggle][aria-expanded=true]");
    if (!button) return;
    button.setAttribute("aria-expanded", "false");
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    if (nav) nav.classList.remove("is-open");
    button.focus();
  });

  // A "Clear" link on a filter form resets it through htmx too, when htmx is there.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-filter-reset]");
    if (!link || !window.htmx) return;
    var form = link.closest("form");
    if (!form) return;
    event.preventDefault();
    form.reset();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.tagName === "SELECT") el.selectedIndex = 0;
      else if (el.type === "search" || el.type === "number" || el.type === "text") el.value = "";
    });
    window.htmx.trigger(form, "submit");
  });

  // "Copy the address": the text of the field a button names, to the clipboard; where
  // the clipboard is not allowed, the field is selected for the person to copy.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    var status = button.parentNode.querySelector("[data-copy-status]");
    var say = function (text) { if (status) status.textContent = text; };
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () { say("Copied."); },
        function () { say("Press Ctrl+C (or long-press) to copy."); });
    } else {
      say(document.execCommand && document.execCommand("copy") ? "Copied." : "Press Ctrl+C (or long-press) to copy.");
    }
  });
})();
