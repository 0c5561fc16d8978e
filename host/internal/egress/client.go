package egress

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// ClientOptions configure NewClient.
type ClientOptions struct {
	// Dialer checks every connection; required.
	Dialer *Dialer
	// Timeout bounds a whole request including reading the body; 0 means none (the
	// proxy streams long bodies and uses ResponseHeaderTimeout instead).
	Timeout time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers; 0 means 30 seconds.
	ResponseHeaderTimeout time.Duration
	// Redirect decides whether a redirect to u may be followed. Nil means redirects are
	// not followed: the 3xx response is returned to the caller as is.
	Redirect func(u *url.URL) error
	// MaxRedirects caps followed redirects; 0 means 5.
	MaxRedirects int
}

// NewTransport returns an http.Transport that dials through d and never uses an
// environment proxy.
func NewTransport(d *Dialer, responseHeaderTimeout time.Duration) *http.Transport {
	if responseHeaderTimeout == 0 {
		responseHeaderTimeout = 30 * time.Second
	}
	return &http.Transport{
		Proxy:                 nil, // never HTTP(S)_PROXY: it would move the authority elsewhere
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: responseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
	}
}

// NewClient returns an http.Client whose connections go through opts.Dialer and whose
// redirects are re-checked with opts.Redirect (or not followed).
func NewClient(opts ClientOptions) *http.Client {
	if opts.Dialer == nil {
		panic("egress.NewClient: nil Dialer")
	}
	maxRedirects := opts.MaxRedirects
	if maxRedirects == 0 {
		maxRedirects = 5
	}
	return &http.Client{
		Transport: NewTransport(opts.Dialer, opts.ResponseHeaderTimeout),
		Timeout:   opts.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if opts.Redirect == nil {
				return http.ErrUseLastResponse
			}
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if err := opts.Redirect(req.URL); err != nil {
				return &RedirectError{From: via[len(via)-1].URL.Redacted(), To: req.URL.Redacted(), Err: err}
			}
			return nil
		},
	}
}

// RedirectError is returned when a redirect leads somewhere the rules do not allow.
type RedirectError struct {
	From, To string
	Err      error
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("redirect from %s to %s refused: %v", e.From, e.To, e.Err)
}

func (e *RedirectError) Unwrap() error { return e.Err }

// TooLargeError is returned when a body is over its cap.
type TooLargeError struct {
	What  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s is larger than the %d byte limit", e.What, e.Limit)
}

// ErrTooLarge matches every *TooLargeError with errors.Is.
var ErrTooLarge = errors.New("too large")

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// ReadAll reads r to the end, failing with *TooLargeError once more than limit bytes
// arrive. what names the body in the error. A limit <= 0 means no limit.
func ReadAll(r io.Reader, limit int64, what string) ([]byte, error) {
	if limit <= 0 {
		return io.ReadAll(r)
	}
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &TooLargeError{What: what, Limit: limit}
	}
	return b, nil
}

// LimitReader returns a reader that fails with *TooLargeError after limit bytes,
// instead of silently stopping as io.LimitReader does.
func LimitReader(r io.Reader, limit int64, what string) io.Reader {
	return &limitReader{r: r, left: limit, limit: limit, what: what}
}

type limitReader struct {
	r           io.Reader
	left, limit int64
	what        string
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte tells a body of exactly limit bytes from a longer one.
		var one [1]byte
		n, err := l.r.Read(one[:])
		if n > 0 {
			return 0, &TooLargeError{What: l.what, Limit: l.limit}
		}
		return 0, err
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
