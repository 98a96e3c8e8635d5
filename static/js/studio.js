/* Assistants Studio: small progressive enhancements. Every page works without this file.
 * No inline scripts or handlers anywhere (CSP-friendly): behaviour hangs off data- attributes. */
(function () {
  "use strict";

  var htmx = window.htmx;
  if (htmx) {
    // Invalid forms answer 422 and edit conflicts 409, with the form and its messages: swap them.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "409", swap: true, error: false },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true }
    ];
  }

  // Model pickers: the free-text id only matters when "Other…" is chosen.
  function syncModelPicker(select) {
    var other = select.parentElement && select.parentElement.querySelector("[data-model-other]");
    if (!other) return;
    var show = select.value === "__other__";
    other.hidden = !show;
    var input = other.querySelector("input");
    if (input) input.disabled = !show;
  }

  // htmx.onLoad passes the new element itself: look at it and inside it.
  function each(root, selector, fn) {
    if (root.matches && root.matches(selector)) fn(root);
    if (root.querySelectorAll) root.querySelectorAll(selector).forEach(fn);
  }

  function enhance(root) {
    each(root, "select[data-model-picker]", syncModelPicker);
    each(root, "dialog[data-modal]", function (dialog) {
      if (!dialog.open && typeof dialog.showModal === "function") dialog.showModal();
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-model-picker]")) {
      syncModelPicker(target);
      if (target.value === "__other__") {
        var input = target.parentElement.querySelector("[data-model-other] input");
        if (input) input.focus();
      }
    }
  });

  // "Cancel" in a dialog closes it instead of leaving the page.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-dialog-close]");
    var dialog = link && link.closest("dialog");
    if (dialog) {
      event.preventDefault();
      dialog.close();
    }
  });

  // A closed dialog leaves nothing behind.
  document.addEventListener("close", function (event) {
    if (event.target.matches && event.target.matches("dialog[data-modal]")) event.target.remove();
  }, true);

  // A whole form swapped back with errors (422) or a conflict (409): move the focus to it.
  var FORMS = ["edit-form", "create-form", "duplicate-form", "rebase-form"];
  document.addEventListener("htmx:afterSwap", function (event) {
    var xhr = event.detail && event.detail.xhr;
    var target = event.detail && event.detail.target;
    if (!xhr || !target || (xhr.status !== 422 && xhr.status !== 409)) return;
    if (FORMS.indexOf(target.id) < 0) return;
    var region = document.getElementById(target.id);
    var first = region && region.querySelector("#conflict, #moved, [aria-invalid='true'], .field--invalid input, .field--invalid select, .field--invalid textarea");
    if (first) {
      if (first.id === "conflict" || first.id === "moved") first.setAttribute("tabindex", "-1");
      first.focus();
    }
  });

  if (htmx) {
    htmx.onLoad(enhance);
  } else {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  }
})();
