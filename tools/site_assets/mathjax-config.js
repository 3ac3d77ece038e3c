// MathJax 2, bundled (the jupyter-server-mathjax wheel's copy, served from assets/mathjax/): no CDN.
// Papers: pymdownx.arithmatex wraps math in \( \) and \[ \]; notebooks: nbconvert keeps $ $ and $$ $$.
window.MathJax = {
  jax: ["input/TeX", "output/HTML-CSS"],
  extensions: ["tex2jax.js", "MathMenu.js", "MathZoom.js"],
  TeX: {extensions: ["AMSmath.js", "AMSsymbols.js", "noErrors.js", "noUndefined.js"]},
  tex2jax: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
            processEscapes: true, processEnvironments: true},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null},
  messageStyle: "none",
  AuthorInit: function () {
    MathJax.Hub.Register.StartupHook("End", function () { window.mathjaxDone = true; });
  }
};
