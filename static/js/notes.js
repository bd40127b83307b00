/* Notes on a lesson: markers on the blocks you annotated, "Add a note" under each block, clicking a
   note scrolls to and highlights its block, helpful votes without a reload.
   Progressive enhancement only: without this file, anchors are plain #block links (highlighted by
   :target in guild.css) and every form posts normally. */
(function () {
  "use strict";

  var csrfToken = window.Guild.csrfToken;  // static/js/guild.js, loaded first on every page

  function blockById(id) {
    return document.getElementById("block-" + id);
  }

  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function highlight(block) {
    document.querySelectorAll(".block--highlight").forEach(function (el) { el.classList.remove("block--highlight"); });
    block.classList.add("block--highlight");
    if (!block.hasAttribute("tabindex")) block.setAttribute("tabindex", "-1");
    block.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "center" });
    block.focus({ preventScroll: true });
    window.setTimeout(function () { block.classList.remove("block--highlight"); }, 4000);
  }

  // Clicking a note's anchor: scroll to its block and highlight it.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-note-anchor]");
    if (!link) return;
    var block = blockById(link.getAttribute("data-note-anchor"));
    if (!block) return; // another page (My notes): follow the link
    event.preventDefault();
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", "#block-" + block.dataset.blockId);
    highlight(block);
  });

  var panel = document.querySelector("[data-notes-panel]");
  if (panel) {
    var form = panel.querySelector("[data-note-form]");
    var select = panel.querySelector("[data-note-block-select]");
    var videoField = panel.querySelector("[data-note-video-field]");
    var textarea = panel.querySelector("#note-body");

    function syncVideoField() {
      if (!select || !videoField) return;
      var option = select.options[select.selectedIndex];
      videoField.hidden = !(option && option.hasAttribute("data-video"));
    }
    if (select) { select.addEventListener("change", syncVideoField); syncVideoField(); }

    // Count the viewer's own notes per block (rendered in the panel, so nothing else is fetched).
    var mine = {};
    panel.querySelectorAll("[data-note-block]").forEach(function (note) {
      var id = note.getAttribute("data-note-block");
      (mine[id] = mine[id] || []).push(note);
    });

    document.querySelectorAll(".lesson__body [data-block-id]").forEach(function (block) {
      var id = block.getAttribute("data-block-id");
      var bar = document.createElement("div");
      bar.className = "block-notes";
      if (mine[id]) {
        var marker = document.createElement("a");
        marker.className = "block-notes__marker";
        marker.href = "#" + mine[id][0].id;
        marker.setAttribute("data-note-marker", id);
        marker.textContent = mine[id].length === 1 ? "Your note" : "Your notes (" + mine[id].length + ")";
        marker.addEventListener("click", function (event) {
          event.preventDefault();
          var note = mine[id][0];
          note.classList.add("note--highlight");
          note.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "center" });
          window.setTimeout(function () { note.classList.remove("note--highlight"); }, 4000);
        });
        bar.appendChild(marker);
        block.classList.add("block--annotated");
      }
      if (form && select) {
        var add = document.createElement("button");
        add.type = "button";
        add.className = "block-notes__add";
        add.textContent = "Add a note";
        add.addEventListener("click", function () {
          form.open = true;
          select.value = id;
          syncVideoField();
          form.scrollIntoView({ behavior: reduceMotion ? "auto" : "smooth", block: "center" });
          if (textarea) textarea.focus({ preventScroll: true });
        });
        bar.appendChild(add);
      }
      block.appendChild(bar);
    });

    // Arriving at #block-… (from My notes): highlight it.
    if (window.location.hash.indexOf("#block-") === 0) {
      var target = blockById(window.location.hash.slice(7));
      if (target) highlight(target);
    }
  }

  // Helpful votes on peers' notes: toggle in place when possible, else the form posts normally.
  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLFormElement)) return;
    if (target.hasAttribute("data-confirm") && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    if (!target.hasAttribute("data-note-vote") || !window.fetch) return;
    event.preventDefault();
    fetch(target.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (answer) {
      if (!answer.ok) { window.alert(answer.data.error || "That didn't work. Please try again."); return; }
      var button = target.querySelector("button");
      button.setAttribute("aria-pressed", answer.data.voted ? "true" : "false");
      button.classList.toggle("vote-button--on", answer.data.voted);
      target.querySelector("[data-vote-count]").textContent = answer.data.count;
    }).catch(function () { target.submit(); });
  });
})();
