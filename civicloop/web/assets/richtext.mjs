// Rich-text editing for a <textarea class="js-richtext">: a toolbar (bold, italic, bulleted and
// numbered lists, link, remove link) above an editable region bound to the textarea, which
// stays the field the form submits (hidden once the editor shows). Progressive enhancement:
// without JavaScript the textarea takes the text as before. Whatever arrives is sanitised on
// the server (nh3: civicloop.market.services.sanitise_html); the copy here keeps the editor
// from ever holding more than those tags, and never runs what it is given.
//
// The labels come from <script type="application/json" id="cl-richtext-labels"> on the page,
// translated by the server. The textarea is written only once the person edits, so an
// untouched field submits exactly what it held (a published challenge logs every change).

const ALLOWED = new Set([
  "P", "BR", "STRONG", "EM", "B", "I", "UL", "OL", "LI", "A", "H2", "H3", "H4",
  "BLOCKQUOTE", "CODE", "PRE", "TABLE", "THEAD", "TBODY", "TR", "TH", "TD",
]);
const SAFE_LINK = /^(https?:|mailto:)/i;

function copyClean(source, target) {
  for (const node of Array.from(source.childNodes)) {
    if (node.nodeType === Node.TEXT_NODE) {
      target.appendChild(document.createTextNode(node.textContent));
    } else if (node.nodeType === Node.ELEMENT_NODE) {
      if (!ALLOWED.has(node.tagName)) {
        if (!["SCRIPT", "STYLE", "TEMPLATE", "IFRAME", "OBJECT"].includes(node.tagName)) {
          copyClean(node, target); // keep the text of an unknown wrapper (span, div, font)
        }
        continue;
      }
      const clean = document.createElement(node.tagName);
      const href = node.tagName === "A" ? node.getAttribute("href") || "" : "";
      if (href && SAFE_LINK.test(href.trim())) clean.setAttribute("href", href.trim());
      copyClean(node, clean);
      target.appendChild(clean);
    }
  }
}

export function cleanHtml(html) {
  // DOMParser builds an inert document: nothing in it loads or runs.
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const out = document.createElement("div");
  copyClean(parsed.body, out);
  return out.innerHTML;
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "govuk-button govuk-button--secondary cl-richtext__button";
  b.textContent = label;
  b.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
  b.addEventListener("click", onClick);
  return b;
}

function enhance(area, labels) {
  const label = document.querySelector(`label[for="${area.id}"]`);
  if (label && !label.id) label.id = `${area.id}-label`;
  const editor = document.createElement("div");
  editor.id = `${area.id}-editor`;
  editor.className = "govuk-textarea cl-richtext__editor";
  editor.contentEditable = "true";
  editor.setAttribute("role", "textbox");
  editor.setAttribute("aria-multiline", "true");
  if (label) editor.setAttribute("aria-labelledby", label.id);
  const described = area.getAttribute("aria-describedby");
  if (described) editor.setAttribute("aria-describedby", described);
  if (area.classList.contains("govuk-textarea--error")) editor.classList.add("govuk-textarea--error");
  editor.innerHTML = cleanHtml(area.value);

  const sync = () => {
    area.value = cleanHtml(editor.innerHTML);
  };
  const run = (command, value = null) => {
    editor.focus();
    document.execCommand(command, false, value);
    sync();
  };
  const toolbar = document.createElement("div");
  toolbar.className = "cl-richtext__toolbar";
  toolbar.setAttribute("role", "toolbar");
  toolbar.setAttribute("aria-label", labels.toolbar);
  toolbar.setAttribute("aria-controls", editor.id);
  toolbar.append(
    button(labels.bold, () => run("bold")),
    button(labels.italic, () => run("italic")),
    button(labels.bullets, () => run("insertUnorderedList")),
    button(labels.numbers, () => run("insertOrderedList")),
    button(labels.link, () => {
      const url = (window.prompt(labels.linkPrompt) || "").trim();
      if (!url) return;
      if (!SAFE_LINK.test(url)) {
        window.alert(labels.linkInvalid);
        return;
      }
      run("createLink", url);
    }),
    button(labels.unlink, () => run("unlink")),
  );
  editor.addEventListener("input", sync);
  editor.addEventListener("focus", () => document.execCommand("defaultParagraphSeparator", false, "p"));
  if (label) label.addEventListener("click", () => editor.focus());

  const wrapper = document.createElement("div");
  wrapper.className = "cl-richtext";
  wrapper.append(toolbar, editor);
  area.insertAdjacentElement("afterend", wrapper);
  area.hidden = true;
  area.classList.add("cl-richtext__source"); // govuk-textarea's display would show it
  area.setAttribute("aria-hidden", "true");
  area.tabIndex = -1;
}

export function initRichText(root = document) {
  const source = document.getElementById("cl-richtext-labels");
  if (!source) return;
  const labels = JSON.parse(source.textContent);
  root.querySelectorAll("textarea.js-richtext").forEach((area) => enhance(area, labels));
}
