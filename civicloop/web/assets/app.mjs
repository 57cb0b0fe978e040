// Progressive enhancement only: every page reads and submits without JavaScript.
import { initAll } from "govuk-frontend";
import { initRichText } from "./richtext.mjs";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
initRichText();
