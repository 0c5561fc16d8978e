// Package e2e holds end-to-end tests that drive the real greenroom binary with the
// repository's plugins and example catalog: the browser journey, from a real browser
// (Debian's chromium, headless, through chromedp); config and plugin-file reloads, under
// wrk's load by each trigger and with a config that fails to load; and the documented
// recipes (a plugin built outside the repository, as docs/plugin-authors.md shows).
// Screenshots go to $GREENROOM_ARTIFACTS, or test-artifacts/ at the repository root.
package e2e
