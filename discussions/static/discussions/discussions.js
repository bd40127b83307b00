/* Discussions: live Markdown preview, "discuss this part" links, helpful votes without a reload.
   Progressive enhancement only: every form works without this file. */
(function () {
  "use strict";

  var csrfToken = window.Guild.csrfToken;  // static/js/guild.js, loaded first on every page

  // Live preview: the server renders with the same sanitiser posts get, so what you see is what is stored.
  document.querySelectorAll("[data-preview-for]").forEach(function (box) {
    var field = document.getElementById(box.getAttribute("data-preview-for"));
    if (!field || !window.fetch) return;
    var timer = null;
    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        if (!field.value.trim()) { box.hidden = true; return; }
        var body = new URLSearchParams();
        body.set("body", field.value);
        fetch("/discussions/preview/", {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
          body: body.toString()
        }).then(function (response) { return response.ok ? response.json() : null; })
          .then(function (data) {
            if (!data) return;
            box.innerHTML = data.html; // sanitised server-side by nh3 (discussions/markdown.py)
            box.hidden = false;
          }).catch(function () {});
      }, 350);
    });
  });

  // On a lesson: a "Discuss this part" link under each block starts a thread about it.
  var panel = document.querySelector("[data-discussion-panel]");
  if (panel) {
    var newUrl = panel.getAttribute("data-new-thread-url");
    document.querySelectorAll("[data-block-id]").forEach(function (block) {
      var link = document.createElement("a");
      link.className = "block-discuss";
      link.href = newUrl + "?block=" + encodeURIComponent(block.getAttribute("data-block-id"));
      link.textContent = "Ask about this part";
      block.appendChild(link);
    });
  }

  // Helpful votes: toggle in place when possible, else the form posts normally.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-vote") || !window.fetch) return;
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() },
      body: new FormData(form)
    }).then(function (response) { return response.json(); })
      .then(function (data) {
        form.dataset.submitting = "";
        if (data.error) { window.alert(data.error); return; }
        var button = form.querySelector("button");
        button.setAttribute("aria-pressed", data.voted ? "true" : "false");
        button.classList.toggle("button--secondary", data.voted);
        button.classList.toggle("button--ghost", !data.voted);
        form.querySelector("[data-vote-count]").textContent = data.count;
      }).catch(function () { form.dataset.submitting = ""; form.submit(); });
  }, true);
})();
