// Greenroom's one script, in every page's head, allowed by its hash in the page's
// Content-Security-Policy. Every page works without it; it only adds the shortcuts:
// "/" focuses the top bar's search box, a copy button copies its text, and a page
// marked live (a running task) reloads itself until it is done.
(function () {
	document.addEventListener("keydown", function (e) {
		if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
		var t = e.target;
		if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
		var q = document.querySelector('form[role="search"] input[name="query"]');
		if (!q) return;
		e.preventDefault();
		q.focus();
		q.select();
	});
	document.addEventListener("click", function (e) {
		var b = e.target && e.target.closest ? e.target.closest("button[data-gr-copy]") : null;
		if (!b || !navigator.clipboard) return;
		e.preventDefault();
		navigator.clipboard.writeText(b.getAttribute("data-gr-copy")).then(function () {
			b.setAttribute("data-gr-copied", "");
			b.textContent = "Copied";
		});
	});
	document.addEventListener("DOMContentLoaded", function () {
		var live = document.querySelector("[data-gr-live]");
		if (!live) return;
		var s = parseInt(live.getAttribute("data-gr-live"), 10);
		setTimeout(function () { location.reload(); }, 1000 * (s > 0 ? s : 2));
	});
})();
