/* Guild: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  // Shared with the feature scripts (discussions.js, notes.js), which load after this one.
  window.Guild = window.Guild || {};
  window.Guild.csrfToken = function () {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  // Forms with data-confirm ask before submitting (e.g. leaving a course).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      return;
    }
    // Avoid double submissions from impatient double clicks.
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    window.setTimeout(function () { form.dataset.submitting = ""; }, 4000);
  });

  // The course outline is open beside the lesson on wide screens and folded away on phones.
  var wide = window.matchMedia("(min-width: 60em)");
  function syncOutline() {
    document.querySelectorAll("details[data-outline]").forEach(function (details) {
      details.open = wide.matches;
    });
  }
  syncOutline();
  if (wide.addEventListener) wide.addEventListener("change", syncOutline);

  // Keep the current lesson in view inside a long outline.
  var current = document.querySelector(".outline-panel [aria-current='page']");
  if (current && wide.matches && current.scrollIntoView) {
    var panel = current.closest(".outline-panel__content");
    if (panel && panel.scrollHeight > panel.clientHeight) {
      panel.scrollTop = current.offsetTop - panel.clientHeight / 3;
    }
  }
})();
