package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// stateCollector reads the host's state from Sources at each scrape.
type stateCollector struct{ m *Metrics }

var (
	instancesDesc = prometheus.NewDesc("greenroom_plugin_instances", "Instances of a plugin's pool, by state (busy, idle).", []string{"plugin", "state"}, nil)
	maxDesc       = prometheus.NewDesc("greenroom_plugin_instances_max", "The most instances a plugin's pool runs (limits.instances).", []string{"plugin"}, nil)
	memoryDesc    = prometheus.NewDesc("greenroom_plugin_memory_pages", "Memory a plugin's live instances hold (linear memory, arena, tables), in 64 KiB pages.", []string{"plugin"}, nil)
	memLimitDesc  = prometheus.NewDesc("greenroom_plugin_memory_limit_pages", "limits.memory of one instance of a plugin, in 64 KiB pages.", []string{"plugin"}, nil)
	entitiesDesc  = prometheus.NewDesc("greenroom_catalog_entities", "Catalog entities, by kind.", []string{"kind"}, nil)
	entErrDesc    = prometheus.NewDesc("greenroom_catalog_entities_with_errors", "Catalog entities whose status holds processing errors.", nil, nil)
	locErrDesc    = prometheus.NewDesc("greenroom_catalog_locations_with_errors", "Catalog locations whose last read failed or produced errors.", nil, nil)
	refreshDesc   = prometheus.NewDesc("greenroom_catalog_last_refresh_timestamp_seconds", "When the last catalog processing pass finished without failing, in Unix seconds.", nil, nil)
)

func (c stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{instancesDesc, maxDesc, memoryDesc, memLimitDesc, entitiesDesc, entErrDesc, locErrDesc, refreshDesc} {
		ch <- d
	}
}

func (c stateCollector) Collect(ch chan<- prometheus.Metric) {
	if f := c.m.src.Plugins; f != nil {
		for _, p := range f() {
			ch <- prometheus.MustNewConstMetric(instancesDesc, prometheus.GaugeValue, float64(p.Busy), p.Plugin, "busy")
			ch <- prometheus.MustNewConstMetric(instancesDesc, prometheus.GaugeValue, float64(p.Idle), p.Plugin, "idle")
			ch <- prometheus.MustNewConstMetric(maxDesc, prometheus.GaugeValue, float64(p.Max), p.Plugin)
			ch <- prometheus.MustNewConstMetric(memoryDesc, prometheus.GaugeValue, float64(p.MemoryPages), p.Plugin)
			ch <- prometheus.MustNewConstMetric(memLimitDesc, prometheus.GaugeValue, float64(p.LimitPages), p.Plugin)
		}
	}
	if f := c.m.src.Catalog; f != nil {
		s := f()
		for kind, n := range s.EntitiesByKind {
			ch <- prometheus.MustNewConstMetric(entitiesDesc, prometheus.GaugeValue, float64(n), kind)
		}
		ch <- prometheus.MustNewConstMetric(entErrDesc, prometheus.GaugeValue, float64(s.EntitiesWithErrors))
		ch <- prometheus.MustNewConstMetric(locErrDesc, prometheus.GaugeValue, float64(s.LocationsWithErrors))
		if !s.LastRefresh.IsZero() {
			ch <- prometheus.MustNewConstMetric(refreshDesc, prometheus.GaugeValue, float64(s.LastRefresh.UnixNano())/1e9)
		}
	}
}
