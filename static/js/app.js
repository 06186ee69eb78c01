// kitsu-web page glue: CSRF header on htmx requests, one login redirect.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // Several fragments may learn at once that the session is over: follow
  // only the first HX-Redirect so the login page loads once.
  var leaving = false;
  document.addEventListener("htmx:beforeOnLoad", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.getResponseHeader("HX-Redirect")) {
      return;
    }
    if (leaving) {
      event.preventDefault();
      return;
    }
    leaving = true;
  });

  window.kitsuWeb = { csrfToken: csrfToken };
})();
