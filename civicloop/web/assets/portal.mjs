// The public portal's only script (pages read without it): on a narrow screen the service
// navigation collapses behind a "Menu" button (govuk-frontend's ServiceNavigation sets
// aria-expanded and `hidden`; the button is a real <button>, so Enter and Space work).
import { createAll, ServiceNavigation } from "govuk-frontend";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
createAll(ServiceNavigation);
