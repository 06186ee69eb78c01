// kitsu-web shell: the top bar's selectors navigate as soon as they change
// (without JavaScript their forms have a "Go" button).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (select.matches && select.matches("select[data-navigate]") &&
        select.value) {
      window.location.assign(select.value);
    }
  });
})();
