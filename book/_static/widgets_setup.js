// Loaded on pages with stored ipywidgets, between RequireJS and the widget manager (embed-amd.js); see
// nb_ipywidgets_js in _config.yml. Two fixes so that widgets render offline without console errors:
(function () {
  "use strict";
  var script = document.currentScript;
  // 1. The widget manager loads its Font Awesome files relative to where RequireJS thinks the manager
  //    lives (by default, the page's own folder). Point RequireJS at the copy in _static/vendor.
  if (script && window.requirejs) {
    var vendor = new URL("vendor/html-manager", script.src).href;
    window.requirejs.config({ paths: { "@jupyter-widgets/html-manager/dist": vendor } });
  }
  // 2. ipywidgets 8 typesets widget labels through MathJax 2's API (MathJax.Hub.Queue); the book loads
  //    MathJax 3. Translate the call once MathJax 3 has loaded (deferred scripts run before this event).
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
