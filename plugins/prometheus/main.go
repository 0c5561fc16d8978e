// Command prometheus is Greenroom's Prometheus plugin, service-backed: an entity card
// and an entity tab that show a component's metrics from a Prometheus server inside the
// organisation, read through the portal's proxy (proxy_fetch). The entity says what to
// show with Backstage's annotations:
//
//	prometheus.io/rule: 'sum(rate(http_requests_total{service="payments"}[5m]))|Requests/s'
//	prometheus.io/alert: 'PaymentsDown,PaymentsSlow'   (or 'all')
//
// A rule is a PromQL expression, optionally followed by "|" and a title; several rules
// are separated by ";". Each becomes a chart of the last range (config range, default
// 1h) in steps, drawn by the host as SVG. Alerts are those firing or pending whose
// alertname is listed and whose labels name the entity.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	greenroom "greenroom.dev/greenroom/sdk/go"
	"greenroom.dev/greenroom/sdk/go/ui"
)

const (
	ruleAnnotation  = "prometheus.io/rule"
	alertAnnotation = "prometheus.io/alert"
)

func init() {
	greenroom.EntityCard("entity-card:prometheus/metrics", "has:annotations", card)
	greenroom.EntityTab("entity-tab:prometheus/metrics", "Metrics", "metrics", "has:annotations", card)
}

// main is never called: the host calls _initialize, which runs init, then the exports.
func main() {}

func endpoint() string {
	if e := greenroom.ConfigString("endpoint"); e != "" {
		return e
	}
	return "/prometheus"
}

// points is how many bars a chart has.
func points() int {
	if n, err := strconv.Atoi(greenroom.ConfigString("points")); err == nil && n >= 2 && n <= 60 {
		return n
	}
	return 12
}

func span() time.Duration {
	if d, err := time.ParseDuration(greenroom.ConfigString("range")); err == nil && d >= time.Minute && d <= 30*24*time.Hour {
		return d
	}
	return time.Hour
}

type rule struct{ expr, title string }

func parseRules(s string) []rule {
	var out []rule
	for _, part := range strings.Split(s, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		expr, title, _ := strings.Cut(part, "|")
		expr, title = strings.TrimSpace(expr), strings.TrimSpace(title)
		if title == "" {
			title = expr
		}
		out = append(out, rule{expr, title})
	}
	return out
}

// promError is what went wrong with Prometheus, said for the card.
type promError struct{ msg string }

func (e *promError) Error() string { return e.msg }

// get reads a Prometheus API path through the proxy and decodes its data.
func get(path string, data any) error {
	h := greenroom.Header{}
	h.Set("accept", "application/json")
	resp, err := greenroom.ProxyFetch(&greenroom.ProxyRequest{Endpoint: endpoint(), Method: "GET", Path: path, Headers: h})
	if err != nil {
		switch greenroom.ErrorCode(err) {
		case greenroom.CodeTimeout:
			return &promError{"Prometheus did not answer in time"}
		case greenroom.CodeTooLarge:
			return &promError{"Prometheus's answer is larger than the plugin may read; narrow the rule or raise limits.memory"}
		case greenroom.CodeCapabilityDenied:
			return &promError{"the prometheus plugin may not use the proxy endpoint " + endpoint() + "; grant it under plugins[].grants.proxy.endpoints"}
		case greenroom.CodeNotFound:
			return &promError{"there is no proxy endpoint " + endpoint() + "; add one for the Prometheus server under proxy.endpoints"}
		}
		return &promError{"Prometheus cannot be reached: " + err.Error()}
	}
	var env struct {
		Status    string          `json:"status"`
		Data      json.RawMessage `json:"data"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
	}
	if err := json.Unmarshal(resp.Content(), &env); err != nil {
		if st := resp.StatusCode(); st >= 500 {
			return &promError{fmt.Sprintf("Prometheus cannot be reached: the proxy answered %d", st)}
		}
		return &promError{fmt.Sprintf("Prometheus answered %d, not its API's JSON", resp.StatusCode())}
	}
	if env.Status != "success" {
		return &promError{fmt.Sprintf("Prometheus refused the query (%s): %s", env.ErrorType, env.Error)}
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		return &promError{"Prometheus's answer does not decode: " + err.Error()}
	}
	return nil
}

type matrix struct {
	ResultType string `json:"resultType"`
	Result     []struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values"`
	} `json:"result"`
}

// chart queries one rule over the range and draws its first series as bars, one per
// step, the latest at the bottom.
func chart(r rule, now time.Time) ui.Node {
	n := points()
	step := span() / time.Duration(n)
	start := now.Add(-span())
	q := url.Values{"query": {r.expr}, "start": {strconv.FormatInt(start.Unix(), 10)}, "end": {strconv.FormatInt(now.Unix(), 10)}, "step": {strconv.FormatFloat(step.Seconds(), 'f', -1, 64)}}
	var m matrix
	if err := get("/api/v1/query_range?"+q.Encode(), &m); err != nil {
		return ui.Card(r.title, ui.Error("Metrics unavailable", err.Error()))
	}
	if len(m.Result) == 0 {
		return ui.Card(r.title, ui.Empty("No data", "Prometheus has no samples for "+r.expr+" in the last "+span().String()+"."))
	}
	series := m.Result[0]
	bars := make([]ui.Bar, 0, len(series.Values))
	last := ""
	for _, v := range series.Values {
		ts, _ := v[0].(float64)
		s, _ := v[1].(string)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			f = 0
		}
		bars = append(bars, ui.Bar{Label: time.Unix(int64(ts), 0).UTC().Format("15:04:05"), Value: f})
		last = s
	}
	title := r.title
	if len(m.Result) > 1 {
		title += fmt.Sprintf(" (first of %d series)", len(m.Result))
	}
	return ui.Card(title, ui.KV(ui.P("Latest", ui.Text(last)), ui.P("Query", ui.Code("promql", r.expr))), ui.BarChart(bars...))
}

type alerts struct {
	Alerts []struct {
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		State       string            `json:"state"`
		ActiveAt    string            `json:"activeAt"`
	} `json:"alerts"`
}

// alertTable lists the alerts named in the annotation (or all, for "all").
func alertTable(names string) ui.Node {
	var a alerts
	if err := get("/api/v1/alerts", &a); err != nil {
		return ui.Card("Alerts", ui.Error("Alerts unavailable", err.Error()))
	}
	want := map[string]bool{}
	for _, n := range strings.Split(names, ",") {
		want[strings.TrimSpace(n)] = true
	}
	var rows [][]ui.Node
	for _, al := range a.Alerts {
		name := al.Labels["alertname"]
		if !want["all"] && !want[name] {
			continue
		}
		tone := ui.ToneWarning
		if al.State == "firing" {
			tone = ui.ToneDanger
		}
		rows = append(rows, ui.Row(ui.Text(name), ui.Badge(al.State, tone), ui.Text(al.Annotations["summary"]), ui.Text(al.ActiveAt)))
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i][0].Text < rows[j][0].Text })
	if len(rows) == 0 {
		return ui.Card("Alerts", ui.Text("No alerts firing or pending."))
	}
	return ui.Card("Alerts", ui.Table([]string{"Alert", "State", "Summary", "Since"}, rows...))
}

func card(r *greenroom.RenderRequest) (ui.Node, error) {
	if r.Entity == nil {
		return ui.Node{}, greenroom.Errorf(greenroom.CodeInvalidArgument, "the prometheus card and tab belong on the entity page")
	}
	rules := parseRules(r.Entity.Metadata.Annotations[ruleAnnotation])
	alertNames := r.Entity.Metadata.Annotations[alertAnnotation]
	if len(rules) == 0 && alertNames == "" {
		return ui.Empty("No metrics", "Annotate the entity with "+ruleAnnotation+" (PromQL, optionally |title; several separated by ;) or "+alertAnnotation+" (alert names, or all)."), nil
	}
	now := time.Now()
	children := make([]ui.Node, 0, len(rules)+1)
	for _, rl := range rules {
		children = append(children, chart(rl, now))
	}
	if alertNames != "" {
		children = append(children, alertTable(alertNames))
	}
	return ui.Group(children...), nil
}
