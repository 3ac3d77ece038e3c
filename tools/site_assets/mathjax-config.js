// MathJax 2, bundled (the jupyter-server-mathjax wheel's copy, served from assets/mathjax/): no CDN.
// Papers: pymdownx.arithmatex wraps math in \( \) and \[ \]; notebooks: nbconvert keeps $ $ and $$ $$.
window.MathJax = {
  config: ["TeX-AMS-MML_HTMLorMML-full.js"],     // the one combined configuration the wheel ships
  tex2jax: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
            processEscapes: true, processEnvironments: true,
            // mkdocs-jupyter keeps each code cell's text again in a hidden div for the copy button: code, not math
            ignoreClass: "clipboard-copy-txt"},
  // only the STIX-Web woff fonts are in the wheel; MathJax's blank test font is url('about:blank'), which Chromium
  // refuses with a CORS error: point it at a local() font instead
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null, linebreaks: {automatic: true},
               styles: {"@font-face": {"font-family": "MathJax_Blank", src: "local('MathJax_Blank')"}}},
  MathMenu: {showRenderer: false},
  "fast-preview": {disabled: true},              // its quick preview pulls TeX fonts the wheel does not ship
  // the hidden assistive MathML copy would use the NativeMML jax's @font-face rules, which point at TeX .otf fonts
  // the wheel does not ship either (404s)
  menuSettings: {CHTMLpreview: false, assistiveMML: false},
  messageStyle: "none",
  AuthorInit: function () {
    MathJax.Hub.Register.StartupHook("End", function () { window.mathjaxDone = true; });
  }
};
