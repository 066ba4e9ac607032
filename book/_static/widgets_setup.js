// Loaded on pages with stored ipywidgets, between RequireJS and the widget manager (embed-amd.js); see
// nb_ipywidgets_js in _config.yml. Two fixes so that widgets render offline without console errors, and a
// third so that a screen reader can name every control:
(function () {
  "use strict";
  var script = document.currentScript;
  // 1. Each AMD module bundled in embed-amd.js loads its Font Awesome files relative to where RequireJS
  //    thinks that module lives (by default, under the page's own folder), and whichever module gets there
  //    first wins. Place every one of them in _static/vendor/html-manager, where the font files are.
  if (script && window.requirejs) {
    var vendor = new URL("vendor/html-manager/", script.src).href;
    var paths = { "@jupyter-widgets/html-manager/dist": vendor.replace(/\/$/, "") };
    ["base", "base7", "controls", "controls7", "html-manager"].forEach(function (name) {
      paths["@jupyter-widgets/" + name] = vendor + name;
    });
    window.requirejs.config({ paths: paths });
  }
  // 2. ipywidgets 8 typesets widget labels through MathJax 2's API (MathJax.Hub.Queue); the book loads
  //    MathJax 3. Translate the call once MathJax 3 has loaded (deferred scripts run before this event).
  // 3. A slider's handle (role="slider", from noUiSlider) has no accessible name: the widget's description
  //    sits in a separate <label>. Name each handle after its widget's description as widgets are drawn.
  function labelSliders(root) {
    root.querySelectorAll(".widget-slider").forEach(function (slider) {
      var label = slider.querySelector(".widget-label");
      var name = label ? label.textContent.trim() : "";
      slider.querySelectorAll('[role="slider"]').forEach(function (handle) {
        if (name && !handle.getAttribute("aria-label")) {
          handle.setAttribute("aria-label", name);
        }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    labelSliders(document);
    new MutationObserver(function () {
      labelSliders(document);
    }).observe(document.body, { childList: true, subtree: true });
  });
  document.addEventListener("DOMContentLoaded", function () {
    var mj = window.MathJax;
    if (!mj || mj.Hub || !mj.version || !mj.startup) {
      return;
    }
    mj.Hub = {
      Queue: function () {
        Array.prototype.forEach.call(arguments, function (job) {
          var element = Array.isArray(job) ? job[2] : undefined;
          mj.startup.promise
            .then(function () {
              return mj.typesetPromise(element ? [element] : undefined);
            })
            .catch(function (err) {
              console.warn("MathJax could not typeset a widget label:", err);
            });
        });
      },
    };
  });
})();
