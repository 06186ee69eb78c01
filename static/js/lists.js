// kitsu-web lists: "/" jumps to the filter box (as long as nothing else is
// being typed into); Escape in the box leaves it.
(function () {
  "use strict";

  function typing(element) {
    return element && (element.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  document.addEventListener("keydown", function (event) {
    var box = document.getElementById("list-search-input");
    if (!box) {
      return;
    }
    if (event.key === "/" && !typing(document.activeElement) &&
        !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      box.focus();
      box.select();
    } else if (event.key === "Escape" && document.activeElement === box) {
      box.blur();
    }
  });
})();
