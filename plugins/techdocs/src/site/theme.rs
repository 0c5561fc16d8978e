//! The static site's stylesheet.

/// Styles the static site (assets/techdocs.css). The portal's reader uses the host's
/// theme, which styles the same doc- classes.
pub const THEME_CSS: &str = r##"body{margin:0;font:15px/1.6 system-ui,sans-serif;color:#1b1f24;background:#fff}
a{color:#0a58ca}
.doc-site-header{padding:12px 24px;border-bottom:1px solid #d8dde4;font-weight:600}
.doc-site-header a{color:inherit;text-decoration:none}
.doc-reader{display:grid;grid-template-columns:220px minmax(0,1fr) 200px;gap:24px;padding:16px 24px}
.doc-nav ul,.doc-toc ul{list-style:none;margin:0;padding-left:12px}
.doc-nav>ul{padding-left:0}
.doc-nav-section{font-weight:600}
.doc-nav-current{font-weight:600;color:#0b6e4f}
.doc-toc-title{font-weight:600;margin:0 0 4px}
.doc-toc-3{padding-left:10px}.doc-toc-4,.doc-toc-5,.doc-toc-6{padding-left:20px}
.doc-headerlink{margin-left:6px;opacity:.3;text-decoration:none}
.doc-admonition{border-left:4px solid #0a58ca;background:#f0f5ff;padding:4px 12px;margin:12px 0;border-radius:4px}
.doc-admonition-title{font-weight:600;margin:4px 0}
.doc-warning,.doc-caution,.doc-attention{border-color:#9a6700;background:#fff8e5}
.doc-danger,.doc-error,.doc-failure,.doc-bug{border-color:#cf222e;background:#fff1f0}
.doc-tip,.doc-hint,.doc-success,.doc-check{border-color:#1a7f37;background:#eefbf1}
.doc-tabbed{border:1px solid #d8dde4;border-radius:6px;padding:4px 12px;margin:12px 0}
.doc-tab-label{font-weight:600;margin:6px 0 0}
.doc-code{tab-size:4;background:#f0f2f5;border:1px solid #d8dde4;border-radius:6px;padding:10px 12px;overflow-x:auto;font:13px/1.45 ui-monospace,monospace}
.doc-hl-k,.doc-hl-kd,.doc-hl-kn,.doc-hl-kr,.doc-hl-kt,.doc-hl-kc,.doc-hl-nt{color:#cf222e}
.doc-hl-s,.doc-hl-s1,.doc-hl-s2,.doc-hl-sb,.doc-hl-sd,.doc-hl-se,.doc-hl-sh,.doc-hl-si,.doc-hl-sx,.doc-hl-sr,.doc-hl-ss,.doc-hl-sc,.doc-hl-sa,.doc-hl-dl{color:#0a3069}
.doc-hl-c,.doc-hl-c1,.doc-hl-cm,.doc-hl-cs,.doc-hl-ch,.doc-hl-cp,.doc-hl-cpf{color:#6e7781;font-style:italic}
.doc-hl-m,.doc-hl-mi,.doc-hl-mf,.doc-hl-mh,.doc-hl-mo,.doc-hl-il{color:#0550ae}
.doc-hl-nf,.doc-hl-fm,.doc-hl-nc,.doc-hl-nb,.doc-hl-bp{color:#8250df}
.doc-hl-na,.doc-hl-nv,.doc-hl-vi{color:#953800}
.doc-hl-o,.doc-hl-ow{color:#cf222e}
.doc-footer{display:flex;gap:16px;justify-content:space-between;border-top:1px solid #d8dde4;margin-top:24px;padding-top:12px}
table{border-collapse:collapse}td,th{border:1px solid #d8dde4;padding:4px 8px}
img{max-width:100%}
@media (max-width:900px){.doc-reader{grid-template-columns:1fr}.doc-toc{display:none}}
"##;
