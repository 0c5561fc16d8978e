package proxy

import (
	"net/http"
	"time"
)

// Observer is told of every request the proxy sends upstream (HTTP and proxy_fetch
// alike), for the host's metrics: the endpoint's route (/github), the status class the
// upstream answered ("1xx" ... "5xx", "other" for a code outside them, or "error" when no response came) and how long
// the response headers took. Plain values only, so that no metrics library reaches
// this package.
type Observer interface {
	ObserveUpstream(endpoint, status string, took time.Duration)
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

func (p *Proxy) observe(endpoint string, resp *http.Response, err error, sent time.Time) {
	if p.observer == nil {
		return
	}
	status := "error"
	if err == nil {
		if c := resp.StatusCode / 100; c >= 1 && c <= 5 {
			status = statusClasses[c-1]
		} else {
			status = "other"
		}
	}
	p.observer.ObserveUpstream(endpoint, status, time.Since(sent))
}
