// Package metrics is the host's Prometheus exposition, on the official client library
// (github.com/prometheus/client_golang), and the only package that knows it. The
// domain packages report what happens through small observer interfaces of their own,
// in plain Go values (runtime.Observer, capability.Observer, catalog.Observer,
// urlreader.Observer, proxy.Observer, and the server's HTTP observer); Metrics
// implements them all, and reads what is a state rather than an event (instances busy
// and idle, memory, catalog entities by kind) from Sources when it is scraped.
//
// Names follow Prometheus's conventions: the greenroom_ prefix, base units in the name
// (_seconds, _pages), _total on counters. Labels are bounded: route templates, never
// raw paths; plugin ids, exports and host functions from the config and the ABI; no
// entity names, URLs or caller names. The families are listed in Families, which the
// Grafana dashboard's test checks its queries against.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// PluginStats is one plugin's pool, as Sources.Plugins reports it.
type PluginStats struct {
	Plugin string
	// Busy and Idle instances; Max is limits.instances.
	Busy, Idle, Max int
	// MemoryPages is what the live instances hold, in 64 KiB pages; LimitPages is
	// limits.memory of one instance.
	MemoryPages uint64
	LimitPages  uint32
}

// CatalogStats is the catalog's state, as Sources.Catalog reports it.
type CatalogStats struct {
	// EntitiesByKind counts the entities of each kind.
	EntitiesByKind map[string]int
	// EntitiesWithErrors and LocationsWithErrors count what holds processing errors.
	EntitiesWithErrors, LocationsWithErrors int
	// LastRefresh is when the last processing pass finished; zero before the first.
	LastRefresh time.Time
}

// Sources are read on every scrape; a nil func leaves its families out.
type Sources struct {
	Plugins func() []PluginStats
	Catalog func() CatalogStats
}

// Metrics holds the host's metric families. It is safe for concurrent use.
type Metrics struct {
	reg *prometheus.Registry
	src Sources

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec

	pluginCalls    *prometheus.CounterVec
	pluginDuration *prometheus.HistogramVec
	pluginQueue    *prometheus.HistogramVec

	hostCalls    *prometheus.CounterVec
	hostDuration *prometheus.HistogramVec

	catalogProcessing *prometheus.HistogramVec
	catalogFailures   prometheus.Counter

	urlReads *prometheus.CounterVec

	proxyRequests *prometheus.CounterVec
	proxyDuration *prometheus.HistogramVec

	reloads      *prometheus.CounterVec
	lastReloadOK prometheus.Gauge

	// The series of the per-request families, looked up once per label set: the
	// client's WithLabelValues checks and hashes every value on every call.
	httpSeries sync.Map // httpKey -> *httpSeries
	callSeries sync.Map // callKey -> *callSeries
	hostSeries sync.Map // hostKey -> *hostSeries
}

type hostKey struct{ plugin, function, capability, decision string }

type hostSeries struct {
	calls    prometheus.Counter
	duration prometheus.Observer
}

type httpKey struct {
	route, method string
	status        int
}

type httpSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

type callKey struct{ plugin, export, outcome string }

type callSeries struct {
	calls    prometheus.Counter
	duration prometheus.Observer
	queue    prometheus.Observer
}

// Buckets of the call histograms: plugin calls and host calls run from tens of
// microseconds to the plugin's timeout.
var callBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// New registers the host's families, the Go runtime's and the process's.
func New(src Sources) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry(), src: src}
	f := factory{m.reg}
	m.httpRequests = f.counter("greenroom_http_requests_total", "HTTP requests served, by route template, method and status code.", "route", "method", "status")
	m.httpDuration = f.histogram("greenroom_http_request_duration_seconds", "Time to serve an HTTP request, by route template and method.", prometheus.DefBuckets, "route", "method")
	m.pluginCalls = f.counter("greenroom_plugin_calls_total", "Calls of a plugin's exports, by plugin, export and outcome (ok, guest_error, trap, timeout, oom, queue_timeout, closed, no_export).", "plugin", "export", "outcome")
	m.pluginDuration = f.histogram("greenroom_plugin_call_duration_seconds", "Time a plugin call ran on its instance, by plugin and export.", callBuckets, "plugin", "export")
	m.pluginQueue = f.histogram("greenroom_plugin_queue_wait_seconds", "Time a plugin call waited for a free instance, by plugin.", callBuckets, "plugin")
	m.hostCalls = f.counter("greenroom_host_calls_total", "Capability host calls plugins made, by plugin, function, capability and decision (allow, deny, error).", "plugin", "function", "capability", "decision")
	m.hostDuration = f.histogram("greenroom_host_call_duration_seconds", "Time a capability host call took, by function.", callBuckets, "function")
	m.catalogProcessing = f.histogram("greenroom_catalog_processing_duration_seconds", "Time a catalog processing pass over every location took.", []float64{.01, .05, .1, .5, 1, 5, 10, 30, 60, 300})
	m.catalogFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "greenroom_catalog_processing_failures_total", Help: "Catalog processing passes that failed (retried at the next interval)."})
	m.reg.MustRegister(m.catalogFailures)
	m.urlReads = f.counter("greenroom_url_reads_total", "URL reader requests, by reader, operation (read_url, read_tree, search) and result (ok, cache_hit, not_modified, not_found, not_allowed, rate_limited, error).", "reader", "operation", "result")
	m.proxyRequests = f.counter("greenroom_proxy_upstream_requests_total", "Requests the proxy sent upstream, by endpoint and status class (error when no response came).", "endpoint", "status")
	m.proxyDuration = f.histogram("greenroom_proxy_upstream_duration_seconds", "Time until the upstream's response headers, by proxy endpoint.", prometheus.DefBuckets, "endpoint")
	m.reloads = f.counter("greenroom_config_reloads_total", "Config reloads, by result (success, failure).", "result")
	m.lastReloadOK = prometheus.NewGauge(prometheus.GaugeOpts{Name: "greenroom_config_last_reload_success_timestamp_seconds", Help: "When the config last reloaded successfully (or the host started), in Unix seconds."})
	m.lastReloadOK.SetToCurrentTime()
	m.reg.MustRegister(m.lastReloadOK)
	for _, r := range []string{"success", "failure"} {
		m.reloads.WithLabelValues(r)
	}
	m.reg.MustRegister(stateCollector{m}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

type factory struct{ reg *prometheus.Registry }

func (f factory) counter(name, help string, labels ...string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(v)
	return v
}

func (f factory) histogram(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	v := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(v)
	return v
}

// Handler serves the exposition (text, or OpenMetrics when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Registry is the registry the families are in (for tests and the benchmark).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// methods bounds the method label: anything else is "other".
var methods = map[string]string{
	"GET": "GET", "HEAD": "HEAD", "POST": "POST", "PUT": "PUT", "PATCH": "PATCH",
	"DELETE": "DELETE", "OPTIONS": "OPTIONS",
}

// statusText is the status label of codes 100-599, made once.
var statusText = func() []string {
	s := make([]string, 600)
	for i := 100; i < 600; i++ {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

// ObserveHTTP records one HTTP request: route is its template (/api/catalog/entities,
// /api/hello-go/hello/:name), never the raw path.
func (m *Metrics) ObserveHTTP(route, method string, status int, took time.Duration) {
	meth, ok := methods[method]
	if !ok {
		meth = "other"
	}
	st := "other"
	if status >= 100 && status < 600 {
		st = statusText[status]
	}
	k := httpKey{route, meth, status}
	v, ok := m.httpSeries.Load(k)
	if !ok {
		v, _ = m.httpSeries.LoadOrStore(k, &httpSeries{
			requests: m.httpRequests.WithLabelValues(route, meth, st),
			duration: m.httpDuration.WithLabelValues(route, meth),
		})
	}
	hs := v.(*httpSeries)
	hs.requests.Inc()
	hs.duration.Observe(took.Seconds())
}

// ObserveCall implements runtime.Observer.
func (m *Metrics) ObserveCall(plugin, export, outcome string, ran, queued time.Duration) {
	k := callKey{plugin, export, outcome}
	v, ok := m.callSeries.Load(k)
	if !ok {
		v, _ = m.callSeries.LoadOrStore(k, &callSeries{
			calls:    m.pluginCalls.WithLabelValues(plugin, export, outcome),
			duration: m.pluginDuration.WithLabelValues(plugin, export),
			queue:    m.pluginQueue.WithLabelValues(plugin),
		})
	}
	cs := v.(*callSeries)
	cs.calls.Inc()
	if ran > 0 {
		cs.duration.Observe(ran.Seconds())
	}
	cs.queue.Observe(queued.Seconds())
}

// ObserveHostCall implements capability.Observer.
func (m *Metrics) ObserveHostCall(plugin, function, capability, decision string, took time.Duration) {
	k := hostKey{plugin, function, capability, decision}
	v, ok := m.hostSeries.Load(k)
	if !ok {
		v, _ = m.hostSeries.LoadOrStore(k, &hostSeries{
			calls:    m.hostCalls.WithLabelValues(plugin, function, capability, decision),
			duration: m.hostDuration.WithLabelValues(function),
		})
	}
	hs := v.(*hostSeries)
	hs.calls.Inc()
	hs.duration.Observe(took.Seconds())
}

// ObserveProcessing implements catalog.Observer.
func (m *Metrics) ObserveProcessing(took time.Duration, failed bool) {
	m.catalogProcessing.WithLabelValues().Observe(took.Seconds())
	if failed {
		m.catalogFailures.Inc()
	}
}

// ObserveRead implements urlreader.Observer.
func (m *Metrics) ObserveRead(reader, op, result string) {
	m.urlReads.WithLabelValues(reader, op, result).Inc()
}

// ObserveUpstream implements proxy.Observer.
func (m *Metrics) ObserveUpstream(endpoint, status string, took time.Duration) {
	m.proxyRequests.WithLabelValues(endpoint, status).Inc()
	m.proxyDuration.WithLabelValues(endpoint).Observe(took.Seconds())
}

// ObserveReload records one config reload (POST /api/admin/reload, SIGHUP, a changed
// file).
func (m *Metrics) ObserveReload(err error) {
	if err != nil {
		m.reloads.WithLabelValues("failure").Inc()
		return
	}
	m.reloads.WithLabelValues("success").Inc()
	m.lastReloadOK.SetToCurrentTime()
}
