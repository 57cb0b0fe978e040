/*
 * CivicLoop feedback widget: one tag on a service's page (the survey page gives it):
 *
 *   <script src="https://civicloop.example/static/feedback/widget.js"
 *           data-civicloop-survey="licence-renewal" data-presentation="button"
 *           data-lang="en" async></script>
 *
 * The script reads the survey's current questions (/feedback/w/<slug>/questions.json) and draws
 * the form after the tag: data-presentation="inline" (the form in the page), "button" (a
 * button that shows and hides the form below it) or "modal" (a button that opens the form in
 * a <dialog>). Answers are sent in the background (no cookies: credentials are omitted) and the
 * form is replaced by the thank-you message, announced to screen readers. Set data-page,
 * data-variant and data-unit on the tag to tag the response (the unit id must be
 * pseudonymous); the page defaults to the current path without its query string.
 *
 * The same script enhances the no-JavaScript form of the widget page (form[data-civicloop-
 * feedback]). It runs once per page, however many times it is included.
 */
(function () {
  "use strict";

  function setHidden(form, name, value) {
    var input = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (input && value) { input.value = value; }
  }

  function enhance(form) {
    if (form.getAttribute("data-civicloop-enhanced") !== null) { return; }
    form.setAttribute("data-civicloop-enhanced", "");
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

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  var counter = 0;

  function question(q, prefix, texts) {
    var group = el("div", { "class": "govuk-form-group" });
    var id = prefix + "-" + q.key;
    if (q.kind === "text") {
      group.appendChild(el("label", { "class": "govuk-label govuk-label--s", "for": id }, q.text));
      group.appendChild(el("textarea", {
        "class": "govuk-textarea", id: id, name: q.key, rows: "4", maxlength: "2000"
      }));
      return group;
    }
    var fieldset = el("fieldset", { "class": "govuk-fieldset" });
    var legend = el("legend", { "class": "govuk-fieldset__legend govuk-fieldset__legend--s" }, q.text);
    if (q.required) {
      legend.appendChild(el("span", { "class": "govuk-visually-hidden" }, " (" + texts.required + ")"));
    }
    fieldset.appendChild(legend);
    var radios = el("div", { "class": "govuk-radios govuk-radios--small" });
    q.options.forEach(function (option, i) {
      var item = el("div", { "class": "govuk-radios__item" });
      var inputId = id + "-" + (i + 1);
      item.appendChild(el("input", {
        "class": "govuk-radios__input", id: inputId, name: q.key, type: "radio", value: option.value
      }));
      item.appendChild(el("label", { "class": "govuk-label govuk-radios__label", "for": inputId }, option.label));
      radios.appendChild(item);
    });
    fieldset.appendChild(radios);
    group.appendChild(fieldset);
    return group;
  }

  function buildForm(config, tag, prefix) {
    var form = el("form", {
      method: "post", action: config.action, "class": "cl-feedback-widget",
      "data-civicloop-feedback": "", "data-page": tag.getAttribute("data-page") || "",
      "data-variant": tag.getAttribute("data-variant") || "",
      "data-unit": tag.getAttribute("data-unit") || "", lang: config.language
    });
    form.appendChild(el("p", { "class": "govuk-body-s" }, config.consent));
    config.questions.forEach(function (q) { form.appendChild(question(q, prefix, config.texts)); });
    ["page", "variant", "unit"].forEach(function (name) {
      form.appendChild(el("input", { type: "hidden", name: name, value: "" }));
    });
    form.appendChild(el("input", { type: "hidden", name: "lang", value: config.language }));
    var hp = el("div", { "class": "cl-hp", hidden: "" });
    hp.appendChild(el("input", {
      name: config.honeypot, type: "text", tabindex: "-1", autocomplete: "off", "aria-hidden": "true"
    }));
    form.appendChild(hp);
    form.appendChild(el("button", { type: "submit", "class": "govuk-button govuk-button--secondary" }, config.texts.send));
    form.appendChild(el("p", { "class": "govuk-body-s", role: "status", "aria-live": "polite", "data-feedback-status": "" }));
    enhance(form);
    return form;
  }

  function present(config, tag) {
    counter += 1;
    var prefix = "cl-fb-" + counter;
    var form = buildForm(config, tag, prefix);
    var box = el("div", { "class": "cl-feedback", lang: config.language });
    var mode = tag.getAttribute("data-presentation") || "inline";
    if (mode === "button") {
      var region = el("div", { id: prefix + "-form", hidden: "" });
      var toggle = el("button", {
        type: "button", "class": "govuk-button govuk-button--secondary",
        "aria-expanded": "false", "aria-controls": prefix + "-form"
      }, config.texts.open);
      toggle.addEventListener("click", function () {
        var open = region.hasAttribute("hidden");
        if (open) { region.removeAttribute("hidden"); } else { region.setAttribute("hidden", ""); }
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) { var first = region.querySelector("input, textarea"); if (first) { first.focus(); } }
      });
      region.appendChild(form);
      box.appendChild(toggle);
      box.appendChild(region);
    } else if (mode === "modal" && typeof document.createElement("dialog").showModal === "function") {
      var dialog = el("dialog", { "aria-labelledby": prefix + "-title", "class": "cl-feedback-dialog" });
      dialog.appendChild(el("h2", { id: prefix + "-title", "class": "govuk-heading-m" }, config.title));
      dialog.appendChild(form);
      var close = el("button", { type: "button", "class": "govuk-button govuk-button--secondary" }, config.texts.close);
      close.addEventListener("click", function () { dialog.close(); });
      dialog.appendChild(close);
      var opener = el("button", { type: "button", "class": "govuk-button govuk-button--secondary", "aria-haspopup": "dialog" }, config.texts.open);
      opener.addEventListener("click", function () { dialog.showModal(); });
      dialog.addEventListener("close", function () { opener.focus(); });
      box.appendChild(opener);
      box.appendChild(dialog);
    } else {
      box.appendChild(form);
    }
    tag.parentNode.insertBefore(box, tag.nextSibling);
  }

  function load(tag) {
    tag.setAttribute("data-civicloop-ready", "");
    var slug = tag.getAttribute("data-civicloop-survey");
    var base = tag.src.replace(/\/static\/feedback\/widget\.js.*$/, "");
    var lang = tag.getAttribute("data-lang") || document.documentElement.lang || "";
    var url = base + "/feedback/w/" + encodeURIComponent(slug) + "/questions.json" +
      (lang ? "?lang=" + encodeURIComponent(lang.slice(0, 2)) : "");
    fetch(url, { credentials: "omit", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (config) { present(config, tag); })
      .catch(function () {
        var link = el("a", { href: base + "/feedback/w/" + encodeURIComponent(slug) + "/" }, "Feedback");
        tag.parentNode.insertBefore(link, tag.nextSibling);
      });
  }

  function start() {
    var forms = document.querySelectorAll("form[data-civicloop-feedback]:not([data-civicloop-ready])");
    for (var i = 0; i < forms.length; i++) { forms[i].setAttribute("data-civicloop-ready", ""); enhance(forms[i]); }
    if (!window.fetch) { return; }
    var tags = document.querySelectorAll("script[data-civicloop-survey]:not([data-civicloop-ready])");
    for (var j = 0; j < tags.length; j++) { load(tags[j]); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
