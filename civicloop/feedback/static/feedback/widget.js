/*
 * CivicLoop feedback widget. Embed the form markup from the survey page, then this script:
 *
 *   <script src="https://civicloop.example/static/feedback/widget.js" defer></script>
 *
 * Without JavaScript the form posts to CivicLoop and shows a thank-you page. With it, the
 * answer is sent in the background (no cookies: credentials are omitted) and the form is
 * replaced by the thank-you message, announced to screen readers. Set data-page,
 * data-variant and data-unit on the form to tag the response (the unit id must be
 * pseudonymous); the page defaults to the current path without its query string.
 */
(function () {
  "use strict";

  function setHidden(form, name, value) {
    var input = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (input && value) { input.value = value; }
  }

  function enhance(form) {
    setHidden(form, "page", form.getAttribute("data-page") || window.location.pathname);
    setHidden(form, "variant", form.getAttribute("data-variant"));
    setHidden(form, "unit", form.getAttribute("data-unit"));
    var hp = form.querySelector(".cl-hp");
    if (hp) { hp.hidden = true; }
    var status = form.querySelector("[data-feedback-status]");
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.FormData) { return; }
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        credentials: "omit",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (result.ok) {
          var done = document.createElement("p");
          done.className = "govuk-body";
          done.setAttribute("role", "status");
          done.textContent = result.body.message;
          form.replaceWith(done);
          return;
        }
        if (button) { button.disabled = false; }
        var messages = [];
        Object.keys(result.body.errors || {}).forEach(function (key) {
          messages.push(result.body.errors[key]);
        });
        if (status) { status.textContent = result.body.message + " " + messages.join(" "); }
      }).catch(function () {
        if (button) { button.disabled = false; }
        form.submit();  // fall back to the plain form post
      });
    });
  }

  var forms = document.querySelectorAll("form[data-civicloop-feedback]");
  for (var i = 0; i < forms.length; i++) { enhance(forms[i]); }
})();
