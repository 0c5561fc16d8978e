// Package e2e holds end-to-end tests that drive the real greenroom binary with the
// repository's plugins and example catalog: the browser journey, from a real browser
// (Debian's chromium, headless, through chromedp), and config reloads, under wrk's load
// by each of the three triggers and with a config that fails to load. Screenshots go to
// $GREENROOM_ARTIFACTS, or test-artifacts/ at the repository root.
package e2e
