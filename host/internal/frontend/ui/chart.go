package ui

import (
	"math"
	"strconv"
)

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func (r *renderer) chart(c *Chart) {
	if c == nil {
		return
	}
	switch c.Kind {
	case ChartBar:
		r.barChart(c.Bars)
	case ChartRadar:
		if c.Radar != nil && len(c.Radar.Quadrants) == 4 && len(c.Radar.Rings) > 0 {
			r.radar(c.Radar)
		}
	case ChartGraph:
		if c.Graph != nil && len(c.Graph.Nodes) > 0 {
			r.graph(c.Graph)
		}
	}
}

// graph draws Nodes[0] in the middle and the nodes its edges reach in two columns
// beside it, each edge a line labelled with its relation.
func (r *renderer) graph(g *Graph) {
	const width, boxW, boxH, rowH = 900.0, 200.0, 40.0, 52.0
	byID := map[string]int{}
	for i, n := range g.Nodes {
		byID[n.ID] = i
	}
	var left, right []GraphEdge
	for i, e := range g.Edges {
		if _, ok := byID[e.To]; !ok {
			continue
		}
		if i%2 == 0 {
			left = append(left, e)
		} else {
			right = append(right, e)
		}
	}
	rows := max(len(left), len(right), 1)
	h := rowH*float64(rows) + 20
	cy := h / 2
	cx := width / 2
	r.s(`<figure class="gr-chart gr-chart-graph"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Relations graph" viewBox="0 0 ` + f1(width) + ` ` + f1(h) + `">`)
	box := func(n GraphNode, x, y float64) {
		u := SafeURL(n.Href)
		if u != "" {
			r.s(`<a`)
			r.attr("href", u)
			r.s(`>`)
		}
		r.s(`<rect class="gr-graph-node" x="` + f1(x) + `" y="` + f1(y) + `" width="` + f1(boxW) + `" height="` + f1(boxH) + `" rx="6"><title>`)
		r.esc(n.ID)
		r.s(`</title></rect><text class="gr-graph-label" x="` + f1(x+boxW/2) + `" y="` + f1(y+17) + `" text-anchor="middle">`)
		r.esc(clip(n.Label, 28))
		r.s(`</text><text class="gr-graph-kind" x="` + f1(x+boxW/2) + `" y="` + f1(y+32) + `" text-anchor="middle">`)
		r.esc(n.Kind)
		r.s(`</text>`)
		if u != "" {
			r.s(`</a>`)
		}
	}
	side := func(edges []GraphEdge, x float64, toRight bool) {
		top := cy - rowH*float64(len(edges))/2
		for i, e := range edges {
			y := top + rowH*float64(i) + (rowH-boxH)/2
			x1, x2 := cx-boxW/2, x+boxW
			if toRight {
				x1, x2 = cx+boxW/2, x
			}
			y2 := y + boxH/2
			r.s(`<line class="gr-graph-edge" x1="` + f1(x1) + `" y1="` + f1(cy) + `" x2="` + f1(x2) + `" y2="` + f1(y2) + `"/>`)
			lx := x2 + (x1-x2)*0.25
			if toRight {
				lx = x2 - (x2-x1)*0.25
			}
			r.s(`<text class="gr-graph-relation" x="` + f1(lx) + `" y="` + f1(y2+(cy-y2)*0.25-4) + `" text-anchor="middle">`)
			r.esc(e.Label)
			r.s(`</text>`)
			box(g.Nodes[byID[e.To]], x, y)
		}
	}
	side(left, 20, false)
	side(right, width-20-boxW, true)
	box(g.Nodes[0], cx-boxW/2, cy-boxH/2)
	r.s(`</svg></figure>`)
}

// clip shortens s to n runes with an ellipsis.
func clip(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n-1]) + "…"
}

func (r *renderer) barChart(bars []Bar) {
	const labelW, barMax, rowH = 180.0, 360.0, 28.0
	max := 0.0
	for _, b := range bars {
		if b.Value > max && !math.IsInf(b.Value, 0) {
			max = b.Value
		}
	}
	h := rowH*float64(len(bars)) + 8
	r.s(`<figure class="gr-chart gr-chart-bar"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Bar chart" viewBox="0 0 600 ` + f1(h) + `">`)
	for i, b := range bars {
		y := 4 + rowH*float64(i)
		w := 0.0
		if max > 0 && b.Value > 0 && !math.IsInf(b.Value, 0) {
			w = barMax * b.Value / max
		}
		u := SafeURL(b.Href)
		if u != "" {
			r.s(`<a`)
			r.attr("href", u)
			r.s(`>`)
		}
		r.s(`<text class="gr-chart-label" x="` + f1(labelW-8) + `" y="` + f1(y+18) + `" text-anchor="end">`)
		r.esc(b.Label)
		r.s(`</text><rect class="gr-chart-bar-rect" x="` + f1(labelW) + `" y="` + f1(y+4) + `" width="` + f1(w) + `" height="18" rx="3"><title>`)
		r.esc(b.Label + ": " + strconv.FormatFloat(b.Value, 'g', -1, 64))
		r.s(`</title></rect><text class="gr-chart-value" x="` + f1(labelW+w+6) + `" y="` + f1(y+18) + `">`)
		r.esc(strconv.FormatFloat(b.Value, 'g', -1, 64))
		r.s(`</text>`)
		if u != "" {
			r.s(`</a>`)
		}
	}
	r.s(`</svg></figure>`)
}

// radar draws a technology radar: quadrant 0 top right, 1 top left, 2 bottom left,
// 3 bottom right; ring 0 innermost. Blips are numbered in entry order and listed in
// a legend below the drawing.
func (r *renderer) radar(rd *Radar) {
	const c, R = 260.0, 250.0
	n := len(rd.Rings)
	r.s(`<figure class="gr-chart gr-radar"><svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Technology radar" viewBox="0 0 520 520">`)
	for i := n - 1; i >= 0; i-- {
		rad := R * float64(i+1) / float64(n)
		r.s(`<circle class="gr-radar-ring gr-radar-ring-` + strconv.Itoa(i%4) + `" cx="260" cy="260" r="` + f1(rad) + `"/>`)
	}
	r.s(`<line class="gr-radar-axis" x1="10" y1="260" x2="510" y2="260"/><line class="gr-radar-axis" x1="260" y1="10" x2="260" y2="510"/>`)
	for i, name := range rd.Rings {
		outer := R * float64(i+1) / float64(n)
		r.s(`<text class="gr-radar-ring-label" x="260" y="` + f1(c-outer+14) + `" text-anchor="middle">`)
		r.esc(name)
		r.s(`</text>`)
	}
	corners := [4][3]string{{"510", "22", "end"}, {"10", "22", "start"}, {"10", "510", "start"}, {"510", "510", "end"}}
	for q, name := range rd.Quadrants {
		r.s(`<text class="gr-radar-quadrant" x="` + corners[q][0] + `" y="` + corners[q][1] + `" text-anchor="` + corners[q][2] + `">`)
		r.esc(name)
		r.s(`</text>`)
	}
	// Count entries per cell, then spread each cell's entries across its angle range.
	type cell struct{ q, ring int }
	total := map[cell]int{}
	for _, e := range rd.Entries {
		if validEntry(e, n) {
			total[cell{e.Quadrant, e.Ring}]++
		}
	}
	seen := map[cell]int{}
	for i, e := range rd.Entries {
		if !validEntry(e, n) {
			continue
		}
		k := cell{e.Quadrant, e.Ring}
		j := seen[k]
		seen[k]++
		inner, outer := R*float64(e.Ring)/float64(n), R*float64(e.Ring+1)/float64(n)
		frac := 0.5
		if total[k] > 1 {
			frac = 0.3 + 0.4*float64(j%2)
		}
		rad := inner + (outer-inner)*frac
		if e.Ring == 0 && rad < 18 {
			rad = 18
		}
		ang := (float64(e.Quadrant)*90 + 90*float64(j+1)/float64(total[k]+1)) * math.Pi / 180
		x, y := c+rad*math.Cos(ang), c-rad*math.Sin(ang)
		num := strconv.Itoa(i + 1)
		u := SafeURL(e.Href)
		if u != "" {
			r.s(`<a`)
			r.attr("href", u)
			r.s(`>`)
		}
		cls := "gr-radar-blip"
		switch e.Moved {
		case 1:
			cls += " gr-radar-in"
		case -1:
			cls += " gr-radar-out"
		}
		r.s(`<g class="` + cls + `"><title>`)
		r.esc(e.Label)
		r.s(`</title><circle cx="` + f1(x) + `" cy="` + f1(y) + `" r="9"/><text x="` + f1(x) + `" y="` + f1(y+3.5) + `" text-anchor="middle">` + num + `</text></g>`)
		if u != "" {
			r.s(`</a>`)
		}
	}
	r.s(`</svg><figcaption class="gr-radar-legend">`)
	for q, name := range rd.Quadrants {
		r.s(`<div class="gr-radar-legend-quadrant"><h4>`)
		r.esc(name)
		r.s(`</h4><ol>`)
		for i, e := range rd.Entries {
			if e.Quadrant != q || !validEntry(e, n) {
				continue
			}
			r.s(`<li value="` + strconv.Itoa(i+1) + `">`)
			r.link("gr-link", e.Href, e.Label, false)
			r.s(` <span class="gr-radar-legend-ring">`)
			r.esc(rd.Rings[e.Ring])
			r.s(`</span>`)
			if e.Description != "" {
				r.s(`<span class="gr-radar-legend-desc"> — `)
				r.esc(e.Description)
				r.s(`</span>`)
			}
			r.s(`</li>`)
		}
		r.s(`</ol></div>`)
	}
	r.s(`</figcaption></figure>`)
}

func validEntry(e RadarEntry, rings int) bool {
	return e.Quadrant >= 0 && e.Quadrant < 4 && e.Ring >= 0 && e.Ring < rings
}
