package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"greenroom.dev/greenroom/host/internal/capability"
	"greenroom.dev/greenroom/host/internal/catalog"
	"greenroom.dev/greenroom/host/internal/metrics"
	"greenroom.dev/greenroom/host/internal/proxy"
	"greenroom.dev/greenroom/host/internal/runtime"
	"greenroom.dev/greenroom/host/internal/server"
	"greenroom.dev/greenroom/host/internal/urlreader"
)

// accessLogOut is where backend.accessLog writes (tests swap it).
var accessLogOut io.Writer = os.Stdout

// observers are the host's metrics as each part's observer interface; all nil when
// metrics.enabled is false, so that the parts skip the work.
type observers struct {
	runtime runtime.Observer
	hosts   capability.Observer
	catalog catalog.Observer
	urls    urlreader.Observer
	proxy   proxy.Observer
	http    server.HTTPObserver
	handler http.Handler // /metrics on backend.listen; nil when it has its own listener
}

// startMetrics makes the metric families (metrics.enabled) before the parts that
// report to them start. What is a state (instances, memory, catalog entities) is read
// from the plugins and the catalog at each scrape.
func (h *host) startMetrics(context.Context) error {
	if h.cfg.Backend.AccessLog {
		h.accessLog = slog.New(slog.NewJSONHandler(accessLogOut, nil))
	}
	if !h.cfg.Metrics.On() {
		return nil
	}
	h.metrics = metrics.New(metrics.Sources{Plugins: h.pluginStats, Catalog: h.catalogStats})
	m := h.metrics
	h.obs = observers{runtime: m, hosts: m, catalog: m, urls: m, proxy: m, http: m}
	if h.cfg.Metrics.Listen == "" {
		h.obs.handler = m.Handler()
	}
	return nil
}

func (h *host) pluginStats() []metrics.PluginStats {
	if h.plugins == nil {
		return nil
	}
	ps := h.plugins.Plugins()
	out := make([]metrics.PluginStats, 0, len(ps))
	for _, p := range ps {
		st := p.Stats()
		out = append(out, metrics.PluginStats{Plugin: p.ID, Busy: st.Busy, Idle: st.Idle, Max: st.Size, MemoryPages: st.MemoryPages, LimitPages: st.MemoryLimitPages})
	}
	return out
}

func (h *host) catalogStats() metrics.CatalogStats {
	if h.catalog == nil {
		return metrics.CatalogStats{}
	}
	ents, locs := h.catalog.ProcessingErrors()
	return metrics.CatalogStats{EntitiesByKind: h.catalog.CountByKind(), EntitiesWithErrors: ents, LocationsWithErrors: locs, LastRefresh: h.catalog.LastRefresh()}
}

// startMetricsListener serves /metrics on metrics.listen, when set: a listener of its
// own, without the portal's sign-in.
func (h *host) startMetricsListener(context.Context) error {
	if h.metrics == nil || h.cfg.Metrics.Listen == "" {
		return nil
	}
	ln, err := net.Listen("tcp", h.cfg.Metrics.Listen)
	if err != nil {
		return fmt.Errorf("metrics.listen: listen on %s: %w; change metrics.listen or stop what uses it", h.cfg.Metrics.Listen, err)
	}
	h.metricsAddr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("GET "+server.MetricsPath, h.metrics.Handler())
	h.metricsSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := h.metricsSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			h.log.Error("metrics listener stopped", "addr", h.metricsAddr, "err", err)
		}
	}()
	h.log.Info("serving metrics", "addr", h.metricsAddr, "path", server.MetricsPath)
	return nil
}

func (h *host) stopMetricsListener(ctx context.Context) error {
	if h.metricsSrv == nil {
		return nil
	}
	return h.metricsSrv.Shutdown(ctx)
}

// observeReload records a reload's result in the metrics.
func (h *host) observeReload(err error) {
	if h.metrics != nil {
		h.metrics.ObserveReload(err)
	}
}
